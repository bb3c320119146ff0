"""`relayflow start` with the two bench-only routes of `bench.asgi_breakdown`, for HTTP loads.

`GET /api/v1/bench/plain` (no authentication) and `GET /api/v1/bench/guarded` (the same
handler behind the public API's access check) differ only by authentication, so their ratio
under load is the price of authentication itself. Served by the same function as
`relayflow start`; the database must be migrated first (any `relayflow` command does it).

With `--floor`, the key check of every public route (`bench/guarded` is the one measured)
is replaced by the least a check can be: one dictionary lookup of the header's value, filled
by the real check on first use (no format check, hash, epoch or budget). `bench/guarded`
then measures the floor of this stack:
what the route wrapper, the header and the principal cost before any authentication work.
Never serve this outside a benchmark.

    python -m bench.probe_server --host 127.0.0.1 --port 5678 [--floor]
"""

from __future__ import annotations

import argparse
import logging

from bench.asgi_breakdown import add_probe_routes
from relayflow.app import create_app
from relayflow.auth.principal import Principal
from relayflow.auth.verifier import KeyVerifier
from relayflow.cli.main import serve
from relayflow.core.config import load_settings
from relayflow.instance import Instance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--floor", action="store_true", help="a dictionary lookup as the check")
    args = parser.parse_args()
    settings = load_settings(host=args.host, port=args.port)
    logging.basicConfig(level=settings.log_level.upper())
    instance = Instance.build(settings)
    if args.floor:
        floor_check(instance.keys)
    app = create_app(instance)
    add_probe_routes(app)
    serve(app, settings)


def floor_check(keys: KeyVerifier) -> None:
    """Make the key check a lookup of the raw header value (bench only: see above).

    The first request of a key takes the real path, which fills the lookup; every later one
    is answered by `admit_cached`, now the lookup alone, whatever the backends.
    """
    known: dict[str | None, Principal] = {}
    real = keys.authenticate_uncached

    async def remember(raw: str | None, ip: str) -> Principal:
        principal = known[raw] = await real(raw, ip)
        return principal

    def lookup(raw: str | None, _ip: str) -> Principal | None:
        return known.get(raw)

    keys.admit_cached = lookup  # type: ignore[method-assign]
    keys.authenticate_uncached = remember  # type: ignore[method-assign]


if __name__ == "__main__":
    main()
