"""A server of the execution tests' own, so that counts across users stay exact."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.server import RunningServer, Variant


@pytest.fixture(scope="package")
def server(variant: Variant, make_server: Callable[..., RunningServer]) -> RunningServer:
    """This package's server of the variant; `api`, `licensed` and `unlicensed` use it."""
    return make_server(variant)
