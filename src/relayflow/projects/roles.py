"""What project roles and sharing roles allow, as resource scopes.

A member may use a workflow for a scope when some project gives the member a role with that
scope *and* holds a sharing role over the workflow with that scope.
"""

from __future__ import annotations

PERSONAL_OWNER = "project:personalOwner"
PROJECT_ADMIN = "project:admin"
PROJECT_EDITOR = "project:editor"
PROJECT_VIEWER = "project:viewer"
TEAM_ROLES = (PROJECT_ADMIN, PROJECT_EDITOR, PROJECT_VIEWER)

WORKFLOW_OWNER = "workflow:owner"
WORKFLOW_EDITOR = "workflow:editor"
CREDENTIAL_OWNER = "credential:owner"
CREDENTIAL_USER = "credential:user"

_WORKFLOW_ALL = {
    "workflow:create",
    "workflow:read",
    "workflow:update",
    "workflow:delete",
    "workflow:list",
    "workflow:execute",
    "workflow:move",
}
_CREDENTIAL_ALL = {
    "credential:create",
    "credential:read",
    "credential:update",
    "credential:delete",
    "credential:list",
    "credential:move",
    "credential:use",
}

PROJECT_ROLE_SCOPES: dict[str, frozenset[str]] = {
    PERSONAL_OWNER: frozenset(_WORKFLOW_ALL | _CREDENTIAL_ALL),
    PROJECT_ADMIN: frozenset(_WORKFLOW_ALL | _CREDENTIAL_ALL | {"project:update"}),
    PROJECT_EDITOR: frozenset(
        (_WORKFLOW_ALL | _CREDENTIAL_ALL) - {"workflow:move", "credential:move"}
    ),
    PROJECT_VIEWER: frozenset(
        {"workflow:read", "workflow:list", "credential:read", "credential:list"}
    ),
}

SHARING_ROLE_SCOPES: dict[str, frozenset[str]] = {
    WORKFLOW_OWNER: frozenset(_WORKFLOW_ALL - {"workflow:create"}),
    WORKFLOW_EDITOR: frozenset(
        {"workflow:read", "workflow:update", "workflow:execute", "workflow:list"}
    ),
    CREDENTIAL_OWNER: frozenset(_CREDENTIAL_ALL - {"credential:create"}),
    CREDENTIAL_USER: frozenset({"credential:read", "credential:list", "credential:use"}),
}


def project_roles_with(scope: str) -> list[str]:
    """Project roles that carry `scope`."""
    return [role for role, scopes in PROJECT_ROLE_SCOPES.items() if scope in scopes]


def sharing_roles_with(scope: str) -> list[str]:
    """Sharing roles that carry `scope`."""
    return [role for role, scopes in SHARING_ROLE_SCOPES.items() if scope in scopes]
