"""Resource-level access, decided in one place for every feature.

A route has already checked the scope; this decides whether the caller may touch *this*
resource. A missing resource is 404. One the caller may not touch is 403 — or, for private
resources such as another user's API keys, 404 exactly like a missing one, so that ids
cannot be probed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from relayflow.auth.principal import Principal
from relayflow.core.errors import Forbidden, NotFound

T = TypeVar("T")

Loader = Callable[[str], Awaitable[T | None]]
Permits = Callable[[Principal, T, str], Awaitable[bool]]


def not_found(kind: str, resource_id: str) -> NotFound:
    """n8n's wording: `Workflow with ID "<id>" not found.`"""
    return NotFound(f'{kind} with ID "{resource_id}" not found.')


async def authorize(
    principal: Principal,
    *,
    kind: str,
    resource_id: str,
    scope: str,
    load: Loader[T],
    permits: Permits[T],
    hide_foreign: bool = False,
    admin_sees_all: bool = True,
) -> T:
    """Load a resource and check that `principal` may use it for `scope`.

    Owner and admin reach every resource (unless `admin_sees_all` is off, for private ones);
    anyone else needs `permits` to say yes.
    """
    resource = await load(resource_id)
    sees_all = admin_sees_all and principal.is_instance_admin
    if resource is None:
        # n8n's wording differs by who asks: a plain 404 for owner and admin.
        raise NotFound("Not Found") if sees_all else not_found(kind, resource_id)
    if sees_all:
        return resource
    if await permits(principal, resource, scope):
        return resource
    if hide_foreign:
        raise not_found(kind, resource_id)
    raise Forbidden("Forbidden")
