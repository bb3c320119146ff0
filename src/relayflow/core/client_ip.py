"""The client's IP: the socket peer, unless that peer is a trusted proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import HTTPConnection
from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def peer_ip(scope: Scope) -> str:
    """The socket peer's address, straight from the ASGI scope."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def client_ip(connection: HTTPConnection, trusted: Sequence[Network]) -> str:
    """The caller's address; `X-Forwarded-For` counts only through trusted proxies.

    Walking the header from the right, the first address that is not a trusted proxy is the
    client: entries further left were written by the client itself and prove nothing.
    """
    peer = connection.client.host if connection.client else "unknown"
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    forwarded = connection.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer
