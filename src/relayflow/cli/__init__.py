"""The `relayflow` command line."""

from relayflow.cli.main import main

__all__ = ["main"]
