"""Listing workflows: `GET /api/v1/workflows` with keyset pagination, 1 000 and 10 000 rows.

Starts `relayflow start` as a subprocess (`bench.server.running_server`: temporary data dir,
free loopback port, rate limits that never trigger, owner and all-scopes key made with the
CLI) and adds a member with an all-scopes key. Then, for each table size (default 1 000,
then 10 000), it bulk-inserts workflows straight through the ORM into the server's database
(a sharing row each: one in 20, or one in `--member-share`, owned by the member's personal
project, or round-robin by it and the team projects it edits with `--member-projects`, the
rest by the owner's), and measures:

* under load from a second process (`wrk -t1`, or `bench.pyload` without wrk), alternating
  targets round by round: `/healthz` as the reference, `GET /api/v1/workflows?limit=10` with
  the owner's key (first page, and a page deep in the walk: the cursor of the walk's last
  page of 250 with its limit set to 10), and the same for the member, whose pages also apply
  the visibility rule; throughput, p50/p99 and the server's CPU per request (from /proc);
* a walk through every workflow with `limit=250` from one client, page after page (median of
  `--walks` walks): total time, time per page, first against last page;
* the page query in-process: `WorkflowRepository.page()` for the same four pages, each call
  in a fresh session, median of `QUERY_RUNS` calls;
* the query plan of the page query (`WorkflowRepository.page()`, captured as it is sent to
  the database) for the first and the deep page, owner and member: `EXPLAIN (ANALYZE,
  BUFFERS)` on PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite.

With `--backends postgres` (or `all`) the same runs use a fresh PostgreSQL database created on
`--postgres-admin-url` and dropped afterwards; `ANALYZE` runs after each bulk insert, as
autovacuum would soon after such an insert.

    uv run python -m bench.workflows_list [--backends sqlite|postgres|all] [--sizes 1000,10000]
        [--seconds 5] [--rounds 3] [--connections 16] [--walks 3] [--tool auto|wrk|python]
        [--member-share 20] [--member-projects 1]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import json
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.auth_overhead import Sample, measure
from bench.load import Target, load_tool
from bench.report import machine, percentile, table
from bench.server import OWNER_EMAIL, OWNER_PASSWORD, Backends, BenchServer, cli, running_server
from relayflow.core import keyset
from relayflow.core.config import Settings
from relayflow.core.ids import new_id
from relayflow.db.models import Project, ProjectRelation, SharedWorkflow, User, Workflow
from relayflow.db.session import Database
from relayflow.projects.repository import ProjectRepository
from relayflow.projects.roles import WORKFLOW_OWNER
from relayflow.workflows.repository import CURSOR_KINDS, WorkflowFilters, WorkflowRepository

MEMBER_EMAIL = "bench-member@example.com"
MEMBER_SHARE = 20
"""By default one workflow in this many belongs to the member (`--member-share`)."""
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
LIST = "/api/v1/workflows"


# -- the server and its database -----------------------------------------------------------


def server_environment(server: BenchServer) -> dict[str, str]:
    """The environment `running_server` gave the server (data dir, database URL, …)."""
    raw = Path(f"/proc/{server.process.pid}/environ").read_bytes()
    pairs = (entry.split(b"=", 1) for entry in raw.split(b"\0") if b"=" in entry)
    return {name.decode(): value.decode() for name, value in pairs}


def database_url(env: dict[str, str]) -> str:
    """The server's async database URL."""
    settings = Settings(
        data_dir=Path(env["RELAYFLOW_DATA_DIR"]), database_url=env.get("RELAYFLOW_DATABASE_URL")
    )
    return settings.resolved_database_url


def create_member_key(env: dict[str, str]) -> str:
    """A member and an all-scopes key for it, made with the CLI; the raw key."""
    cli(
        env,
        *("user", "create", "--email", MEMBER_EMAIL, "--password", OWNER_PASSWORD),
        *("--role", "global:member"),
    )
    return cli(env, "api-key", "create", "--email", MEMBER_EMAIL, "--label", "b", "--scopes", "all")


def workflow_row(index: int) -> dict[str, Any]:
    """Workflow number `index`: a webhook, a Set and a no-op node, about 1 KB of JSON."""
    names = ("Webhook", "Set fields", "Done")
    nodes = [
        {
            "id": str(uuid.uuid4()),
            "name": names[0],
            "type": "n8n-nodes-base.webhook",
            "typeVersion": 2,
            "position": [0, 0],
            "parameters": {"path": f"bench-{index}", "httpMethod": "POST"},
            "webhookId": str(uuid.uuid4()),
        },
        {
            "id": str(uuid.uuid4()),
            "name": names[1],
            "type": "n8n-nodes-base.set",
            "typeVersion": 3.4,
            "position": [220, 0],
            "parameters": {
                "assignments": {
                    "assignments": [
                        {"id": str(uuid.uuid4()), "name": "n", "value": index, "type": "number"}
                    ]
                }
            },
        },
        {
            "id": str(uuid.uuid4()),
            "name": names[2],
            "type": "n8n-nodes-base.noOp",
            "typeVersion": 1,
            "position": [440, 0],
            "parameters": {},
        },
    ]
    link = [[{"node": "", "type": "main", "index": 0}]]
    connections = {
        names[0]: {"main": [[{**link[0][0], "node": names[1]}]]},
        names[1]: {"main": [[{**link[0][0], "node": names[2]}]]},
    }
    created = BASE_TIME + timedelta(seconds=index)
    return {
        "id": new_id(),
        "name": f"Bench workflow {index:05d}",
        "active": False,
        "is_archived": False,
        "nodes": nodes,
        "connections": connections,
        "settings": {"executionOrder": "v1"},
        "static_data": None,
        "pin_data": None,
        "meta": None,
        "version_id": str(uuid.uuid4()),
        "trigger_count": 0,
        "created_at": created,
        "updated_at": created,
    }


async def _personal_project(session: AsyncSession, email: str) -> tuple[str, str]:
    user_id = await session.scalar(select(User.id).where(User.email == email))
    assert user_id is not None, email
    project = await ProjectRepository(session).personal_of(user_id)
    assert project is not None, email
    return user_id, project.id


async def _member_projects(session: AsyncSession, count: int) -> list[str]:
    """The member's personal project and `count - 1` team projects it edits (made once)."""
    member_id, personal = await _personal_project(session, MEMBER_EMAIL)
    names = [f"Bench team {number}" for number in range(1, count)]
    rows = (await session.execute(select(Project.name, Project.id))).all()
    found: dict[str, str] = {row.name: row.id for row in rows}
    now = datetime.now(UTC)
    for name in names:
        if name not in found:
            project = Project(name=name, type="team", created_at=now, updated_at=now)
            session.add(project)
            await session.flush()
            session.add(
                ProjectRelation(
                    project_id=project.id,
                    user_id=member_id,
                    role="project:editor",
                    created_at=now,
                    updated_at=now,
                )
            )
            found[name] = project.id
    return [personal] + [found[name] for name in names]


async def _seed(url: str, start: int, count: int, share: int, projects: int) -> float:
    """Insert workflows `start` … `start + count - 1` with their sharing rows; seconds taken.

    The member's workflows go round-robin to its `projects` projects.
    """
    database = Database(url)
    began = time.perf_counter()
    try:
        async with database.session() as session:
            _, owner_project = await _personal_project(session, OWNER_EMAIL)
            member_projects = await _member_projects(session, projects)
            for chunk in range(start, start + count, 1000):
                rows = [workflow_row(i) for i in range(chunk, min(chunk + 1000, start + count))]
                await session.execute(insert(Workflow), rows)
                shares = [
                    {
                        "workflow_id": row["id"],
                        "project_id": (
                            member_projects[(i // share) % len(member_projects)]
                            if i % share == 0
                            else owner_project
                        ),
                        "role": WORKFLOW_OWNER,
                        "workflow_created_at": row["created_at"],
                        "created_at": row["created_at"],
                        "updated_at": row["created_at"],
                    }
                    for i, row in zip(range(chunk, chunk + len(rows)), rows, strict=True)
                ]
                await session.execute(insert(SharedWorkflow), shares)
        if not database.is_sqlite:
            async with database.engine.connect() as connection:
                await connection.execute(text("ANALYZE workflow"))
                await connection.execute(text("ANALYZE shared_workflow"))
                await connection.commit()
    finally:
        await database.dispose()
    return time.perf_counter() - began


def seed(url: str, start: int, count: int, share: int, projects: int) -> float:
    return asyncio.run(_seed(url, start, count, share, projects))


# -- HTTP from this process ----------------------------------------------------------------


@contextmanager
def connection(server: BenchServer) -> Iterator[http.client.HTTPConnection]:
    client = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        yield client
    finally:
        client.close()


def get(
    client: http.client.HTTPConnection, key: str, params: dict[str, Any]
) -> tuple[dict[str, Any], float, int]:
    """One list request: the body, the seconds until the whole answer was read, its size."""
    began = time.perf_counter()
    client.request("GET", f"{LIST}?{urlencode(params)}", headers={"X-N8N-API-KEY": key})
    response = client.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - began
    if response.status != 200:
        raise RuntimeError(f"GET {LIST} {params} -> {response.status} {payload[:200]!r}")
    body: dict[str, Any] = json.loads(payload)
    return body, elapsed, len(payload)


@dataclass
class Walk:
    """One walk through every visible workflow."""

    seconds: float = 0.0
    page_seconds: list[float] = field(default_factory=list)
    rows: int = 0
    bytes: int = 0
    cursors: list[str] = field(default_factory=list)
    server_cpu: float = 0.0


def walk(server: BenchServer, key: str, limit: int) -> Walk:
    """Page through everything with `limit`, one request after the other."""
    result = Walk()
    cpu_before = server.cpu_seconds()
    with connection(server) as client:
        params: dict[str, Any] = {"limit": limit}
        while True:
            body, elapsed, size = get(client, key, params)
            result.page_seconds.append(elapsed)
            result.rows += len(body["data"])
            result.bytes += size
            if body["nextCursor"] is None:
                break
            result.cursors.append(body["nextCursor"])
            params = {"cursor": body["nextCursor"]}
    result.seconds = sum(result.page_seconds)
    result.server_cpu = server.cpu_seconds() - cpu_before
    return result


def with_limit(cursor: str, limit: int) -> str:
    """A server-issued cursor with another page size (the cursor's limit wins in n8n)."""
    payload = json.loads(base64.b64decode(cursor))
    payload["limit"] = limit
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def deep_cursor(server: BenchServer, key: str) -> tuple[str, int]:
    """The cursor of the last full page of 250 with limit 10, and its position in the walk."""
    walked = walk(server, key, 250)
    if walked.cursors:
        return with_limit(walked.cursors[-1], 10), 250 * len(walked.cursors)
    walked = walk(server, key, 10)
    return walked.cursors[-1], 10 * len(walked.cursors)


# -- query plans ---------------------------------------------------------------------------


QUERY_RUNS = 50
"""Calls of `WorkflowRepository.page()` timed per case (the median is reported)."""


async def _cases(
    session: AsyncSession, deep: dict[str, str]
) -> list[tuple[str, WorkflowFilters, keyset.KeysetPage]]:
    """The four pages measured: owner and member, first and deep, 10 rows each."""
    member_id, _ = await _personal_project(session, MEMBER_EMAIL)
    return [
        (name, filters, keyset.read_cursor(10, cursor, CURSOR_KINDS))
        for name, filters, cursor in [
            ("owner, first page", WorkflowFilters(), None),
            ("owner, deep page", WorkflowFilters(), deep["owner"]),
            ("member, first page", WorkflowFilters(visible_to=member_id), None),
            ("member, deep page", WorkflowFilters(visible_to=member_id), deep["member"]),
        ]
    ]


async def _plans(url: str, deep: dict[str, str]) -> list[tuple[str, str, str]]:
    """(case, SQL, plan) of the page query for the owner and the member, first and deep."""
    database = Database(url)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    plans: list[tuple[str, str, str]] = []
    try:
        async with database.session() as session:
            for name, filters, page in await _cases(session, deep):
                captured.clear()
                await WorkflowRepository(session).page(filters, page)
                statement, parameters = captured[-1]
                prefix = (
                    "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
                )
                raw = await session.connection()
                rows = (await raw.exec_driver_sql(prefix + statement, parameters)).all()
                if database.is_sqlite:
                    plan = "\n".join(f"{row[0]:>3} {row[1]:>3}  {row[-1]}" for row in rows)
                else:
                    plan = "\n".join(str(row[0]) for row in rows)
                plans.append((name, _show_sql(statement, parameters), plan))
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
        await database.dispose()
    return plans


async def _query_ms(url: str, deep: dict[str, str]) -> dict[str, float]:
    """Median ms of `WorkflowRepository.page()` per case, each call in a fresh session.

    In-process and without HTTP, so it shows what the database work of a page costs (with
    the ORM and, on PostgreSQL, asyncpg's prepared statements) apart from the framework.
    """
    database = Database(url)
    found: dict[str, float] = {}
    try:
        async with database.session() as session:
            cases = await _cases(session, deep)
        for name, filters, page in cases:
            times = []
            for _ in range(QUERY_RUNS):
                async with database.session() as session:
                    began = time.perf_counter()
                    await WorkflowRepository(session).page(filters, page)
                    times.append(time.perf_counter() - began)
            found[name] = statistics.median(times) * 1000
    finally:
        await database.dispose()
    return found


def _show_sql(statement: str, parameters: Any) -> str:
    return f"{' '.join(statement.split())}\n-- parameters: {list(parameters)!r}"


def plans(url: str, deep: dict[str, str]) -> list[tuple[str, str, str]]:
    return asyncio.run(_plans(url, deep))


def query_ms(url: str, deep: dict[str, str]) -> dict[str, float]:
    return asyncio.run(_query_ms(url, deep))


# -- the runs ------------------------------------------------------------------------------


@dataclass
class SizeResult:
    """Everything measured at one table size."""

    size: int
    seed_seconds: float
    samples: list[Sample]
    walks: list[Walk]
    positions: dict[str, int]
    plans: list[tuple[str, str, str]]
    query_ms: dict[str, float]


def targets(owner_key: str, member_key: str, deep: dict[str, str]) -> list[Target]:
    def path(cursor: str | None) -> str:
        return f"{LIST}?limit=10" if cursor is None else f"{LIST}?cursor={quote(cursor, safe='')}"

    return [
        Target("GET /healthz (no auth)", "/healthz", None, 200),
        Target("owner, first page", path(None), owner_key, 200),
        Target("owner, deep page", path(deep["owner"]), owner_key, 200),
        Target("member, first page", path(None), member_key, 200),
        Target("member, deep page", path(deep["member"]), member_key, 200),
    ]


def check_targets(server: BenchServer, chosen: list[Target]) -> None:
    """Every list target answers 200 with a full page of 10."""
    with connection(server) as client:
        for target in chosen[1:]:
            assert target.api_key is not None
            client.request("GET", target.path, headers={"X-N8N-API-KEY": target.api_key})
            response = client.getresponse()
            body = json.loads(response.read())
            if response.status != 200 or len(body["data"]) != 10:
                raise RuntimeError(f"{target.name}: {response.status} {str(body)[:200]}")


def run_size(
    server: BenchServer,
    url: str,
    keys: dict[str, str],
    size: int,
    already: int,
    args: argparse.Namespace,
) -> SizeResult:
    print(f"  seeding {size - already:,} workflows …", flush=True)
    seeded = seed(url, already, size - already, args.member_share, args.member_projects)
    deep, positions = {}, {}
    for who, key in keys.items():
        deep[who], positions[who] = deep_cursor(server, key)
    chosen = targets(keys["owner"], keys["member"], deep)
    check_targets(server, chosen)
    for target in chosen:
        measure(server, target, args.warmup, args)
    samples: list[Sample] = []
    for number in range(1, args.rounds + 1):
        for target in chosen:
            samples.append(measure(server, target, args.seconds, args, number))
            result = samples[-1].result
            print(
                f"  {size:,} rows, round {number}, {target.name}: {result.rps:,.0f} req/s, "
                f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
                f"{samples[-1].cpu_us_per_request:.0f} µs CPU/req",
                flush=True,
            )
    walks = []
    for _ in range(args.walks):
        server.wait_idle()
        walks.append(walk(server, keys["owner"], 250))
        print(f"  {size:,} rows, walk: {walks[-1].seconds:.2f} s", flush=True)
    assert all(w.rows == size for w in walks), [w.rows for w in walks]
    server.wait_idle()
    timed = query_ms(url, deep)
    return SizeResult(size, seeded, samples, walks, positions, plans(url, deep), timed)


def summary(result: SizeResult) -> list[list[object]]:
    rows: list[list[object]] = []
    by_name: dict[str, list[Sample]] = {}
    for sample in result.samples:
        by_name.setdefault(sample.target.name, []).append(sample)
    for name, mine in by_name.items():
        rows.append(
            [
                f"{result.size:,}",
                name,
                round(statistics.median(s.result.rps for s in mine)),
                statistics.median(s.result.p50_ms for s in mine),
                statistics.median(s.result.p99_ms for s in mine),
                statistics.median(s.cpu_us_per_request for s in mine),
                sum(s.result.unexpected + s.result.socket_errors for s in mine),
            ]
        )
    return rows


def walk_row(result: SizeResult) -> list[object]:
    walks = result.walks
    best = sorted(walks, key=lambda w: w.seconds)[len(walks) // 2]
    pages = sorted(best.page_seconds)
    return [
        f"{result.size:,}",
        len(best.page_seconds),
        statistics.median(w.seconds for w in walks),
        percentile(pages, 0.5) * 1000,
        pages[-1] * 1000,
        statistics.median(w.page_seconds[0] * 1000 for w in walks),
        statistics.median(
            w.page_seconds[-2 if len(w.page_seconds) > 1 else -1] * 1000 for w in walks
        ),
        statistics.median(w.server_cpu for w in walks) * 1000 / len(best.page_seconds),
        best.bytes / len(best.page_seconds) / 1024,
    ]


def comparison(results: list[SizeResult]) -> list[list[object]]:
    """Time and CPU per request: deep page against first page, and largest size against smallest."""
    rows: list[list[object]] = []

    def median_of(result: SizeResult, name: str) -> tuple[float, float]:
        mine = [s for s in result.samples if s.target.name == name]
        return (
            statistics.median(1e6 / s.result.rps for s in mine),
            statistics.median(s.cpu_us_per_request for s in mine),
        )

    for who in ("owner", "member"):
        for result in results:
            first, deep = (
                median_of(result, f"{who}, first page"),
                median_of(result, f"{who}, deep page"),
            )
            rows.append(
                [
                    f"{who}: deep (row {result.positions[who]:,}) / first, {result.size:,} rows",
                    f"{deep[0] / first[0]:.2f}",
                    f"{deep[1] / first[1]:.2f}",
                ]
            )
        if len(results) > 1:
            small, large = results[0], results[-1]
            for page in ("first", "deep"):
                a, b = (
                    median_of(small, f"{who}, {page} page"),
                    median_of(large, f"{who}, {page} page"),
                )
                rows.append(
                    [
                        f"{who}, {page} page: {large.size:,} / {small.size:,} rows",
                        f"{b[0] / a[0]:.2f}",
                        f"{b[1] / a[1]:.2f}",
                    ]
                )
    return rows


def report(backends: Backends, results: list[SizeResult], args: argparse.Namespace) -> None:
    print(f"\n### {backends.name}\n")
    print(
        "Bulk insert: "
        + ", ".join(f"{r.size:,} rows total after {r.seed_seconds:.1f} s" for r in results)
        + "\n"
    )
    print(f"`GET {LIST}?limit=10` under load (medians of {args.rounds} rounds):\n")
    print(
        table(
            ["rows", "target", "req/s", "p50 ms", "p99 ms", "server CPU µs/req", "bad answers"],
            [row for result in results for row in summary(result)],
        )
    )
    print("\nRatios (time per request = 1 / throughput; server CPU per request):\n")
    print(table(["comparison", "time/req", "CPU/req"], comparison(results)))
    print(f"\nWalk through every workflow with `limit=250` (median of {args.walks} walks):\n")
    print(
        table(
            [
                "rows",
                "pages",
                "total s",
                "page p50 ms",
                "page max ms",
                "first page ms",
                "last full page ms",
                "server CPU ms/page",
                "KiB/page",
            ],
            [walk_row(result) for result in results],
        )
    )
    names = list(results[0].query_ms)
    print(
        f"\nThe page query in-process (`WorkflowRepository.page()`, limit 10, a fresh session "
        f"per call, median of {QUERY_RUNS} calls), ms:\n"
    )
    print(
        table(
            ["rows", *names],
            [[f"{r.size:,}", *(r.query_ms[name] for name in names)] for r in results],
        )
    )
    for result in results[-1:]:
        for name, sql, plan in result.plans:
            print(
                f"\nPlan, {result.size:,} rows, {name}:\n\n```sql\n{sql}\n```\n\n```\n{plan}\n```"
            )


def run_backends(backends: Backends, args: argparse.Namespace) -> None:
    print(f"\n## Backends: {backends.name}\n", flush=True)
    sizes = [int(size) for size in args.sizes.split(",")]
    if sizes != sorted(sizes) or sizes[0] < 25 * args.member_share:
        raise SystemExit(f"--sizes must ascend from at least {25 * args.member_share}")
    with running_server(backends) as server:
        env = server_environment(server)
        url = database_url(env)
        keys = {"owner": server.api_key, "member": create_member_key(env)}
        results, already = [], 0
        for size in sizes:
            results.append(run_size(server, url, keys, size, already, args))
            already = size
    report(backends, results, args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", choices=["sqlite", "postgres", "all"], default="sqlite")
    parser.add_argument("--sizes", default="1000,10000", help="ascending table sizes")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of one load run")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up run per target")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--walks", type=int, default=3)
    parser.add_argument(
        "--member-share",
        type=int,
        default=MEMBER_SHARE,
        help="one workflow in this many belongs to the member (1: all of them)",
    )
    parser.add_argument(
        "--member-projects",
        type=int,
        default=1,
        help="the member's workflows are spread over its personal and this many - 1 team projects",
    )
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--postgres-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    print(f"Machine: {machine()}")
    print(
        f"Load: {load_tool(args.tool)}, {args.connections} keep-alive connections, "
        f"{args.seconds:g} s per run, {args.rounds} rounds, loopback only."
    )
    sqlite = Backends("SQLite")
    postgres = Backends("PostgreSQL", args.postgres_admin_url)
    for backends in {"sqlite": [sqlite], "postgres": [postgres], "all": [sqlite, postgres]}[
        args.backends
    ]:
        run_backends(backends, args)


if __name__ == "__main__":
    main()
