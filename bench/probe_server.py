"""`relayflow start` with the two bench-only routes of `bench.asgi_breakdown`, for HTTP loads.

`GET /api/v1/bench/plain` (no authentication) and `GET /api/v1/bench/guarded` (the same
handler behind the public API's access check) differ only by authentication, so their ratio
under load is the price of authentication itself. Served by the same function as
`relayflow start`; the database must be migrated first (any `relayflow` command does it).

    python -m bench.probe_server --host 127.0.0.1 --port 5678
"""

from __future__ import annotations

import argparse
import logging

from bench.asgi_breakdown import add_probe_routes
from relayflow.app import create_app
from relayflow.cli.main import serve
from relayflow.core.config import load_settings
from relayflow.instance import Instance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = load_settings(host=args.host, port=args.port)
    logging.basicConfig(level=settings.log_level.upper())
    app = create_app(Instance.build(settings))
    add_probe_routes(app)
    serve(app, settings)


if __name__ == "__main__":
    main()
