"""Schema-driven fuzzing of every public operation: nothing a client sends becomes a 500.

Bounded: a fixed number of generated requests per operation, on a server of its own, over
loopback only.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.server import RunningServer, Variant

EXAMPLES_PER_OPERATION = 40


@pytest.fixture(scope="module")
def fuzz_target(variant: Variant, make_server: Callable[..., RunningServer]) -> RunningServer:
    if variant.name != "sqlite":
        pytest.skip("the fuzz run proves the HTTP layer; one backend is enough")
    return make_server(variant)


def test_no_operation_should_answer_500(fuzz_target: RunningServer) -> None:
    key = fuzz_target.create_key(fuzz_target.create_user("global:admin"))
    schema = schemathesis.openapi.from_url(f"{fuzz_target.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    failures: list[str] = []
    for operation in operations:
        strategy = operation.as_strategy()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy, authenticated=st.booleans())
        def probe(case: schemathesis.Case, authenticated: bool) -> None:
            headers = {"X-N8N-API-KEY": key} if authenticated else {}
            response = case.call(base_url=f"{fuzz_target.url}/api/v1", headers=headers)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> "
                    f"{response.status_code} {response.text[:200]}"
                )
            if response.status_code != 204 and response.content:
                content_type = response.headers.get("content-type", [""])[0]
                assert content_type.startswith("application/json"), content_type

        probe()
    assert failures == []
