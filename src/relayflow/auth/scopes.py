"""The scope catalogue, what each global role may hold, and how requested scopes are checked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from relayflow.core.errors import BadRequest


@dataclass(frozen=True, slots=True)
class Scope:
    """One permission a key can carry, described in the words the UI shows."""

    name: str
    description: str

    @property
    def resource(self) -> str:
        """The part before the colon: `workflow` in `workflow:read`."""
        return self.name.split(":", 1)[0]


CATALOGUE: tuple[Scope, ...] = (
    Scope("workflow:read", "Read workflow configurations and metadata"),
    Scope("workflow:create", "Create new workflows"),
    Scope("workflow:update", "Modify existing workflows"),
    Scope("workflow:delete", "Delete workflows"),
    Scope("workflow:execute", "Trigger workflow executions"),
    Scope("workflow:list", "List all accessible workflows"),
    Scope("workflow:activate", "Activate workflows to run automatically"),
    Scope("workflow:deactivate", "Deactivate active workflows"),
    Scope("workflow:move", "Transfer workflows to another project"),
    Scope("workflowTags:list", "List the tags of a workflow"),
    Scope("workflowTags:update", "Change the tags of a workflow"),
    Scope("credential:read", "Read credential metadata (not sensitive data)"),
    Scope("credential:create", "Create new credentials"),
    Scope("credential:update", "Update existing credentials"),
    Scope("credential:delete", "Delete credentials"),
    Scope("credential:list", "List all accessible credentials"),
    Scope("credential:move", "Transfer credentials to another project"),
    Scope("execution:read", "Read execution data and results"),
    Scope("execution:list", "List workflow executions"),
    Scope("execution:retry", "Retry failed executions"),
    Scope("execution:stop", "Stop running executions"),
    Scope("execution:delete", "Delete execution records"),
    Scope("tag:create", "Create tags"),
    Scope("tag:read", "Read a tag"),
    Scope("tag:update", "Rename tags"),
    Scope("tag:delete", "Delete tags"),
    Scope("tag:list", "List tags"),
    Scope("user:read", "Read a user"),
    Scope("user:list", "List users"),
    Scope("user:create", "Invite users"),
    Scope("user:changeRole", "Change a user's global role"),
    Scope("user:delete", "Delete users"),
    Scope("user:enforceMfa", "Require two-factor authentication"),
    Scope("project:create", "Create team projects"),
    Scope("project:update", "Rename projects and manage their members"),
    Scope("project:delete", "Delete team projects"),
    Scope("project:list", "List projects"),
    Scope("variable:create", "Create variables"),
    Scope("variable:update", "Update variables"),
    Scope("variable:delete", "Delete variables"),
    Scope("variable:list", "List variables"),
    Scope("securityAudit:generate", "Generate a security audit"),
    Scope("sourceControl:pull", "Pull changes from the connected source control repository"),
    Scope("apiKey:read", "List your API keys and read the audit of their use"),
    Scope("apiKey:create", "Create API keys"),
    Scope("apiKey:update", "Change or rotate API keys"),
    Scope("apiKey:delete", "Delete API keys"),
)

ALL_SCOPES: tuple[str, ...] = tuple(scope.name for scope in CATALOGUE)
DESCRIPTIONS: dict[str, str] = {scope.name: scope.description for scope in CATALOGUE}

_MEMBER_EXCLUDED = {"tag:delete", "securityAudit:generate", "sourceControl:pull"}
_MEMBER_EXCLUDED_RESOURCES = {"user", "project", "variable"}

OWNER, ADMIN, MEMBER = "global:owner", "global:admin", "global:member"
ROLES: tuple[str, ...] = (OWNER, ADMIN, MEMBER)

ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    OWNER: ALL_SCOPES,
    ADMIN: ALL_SCOPES,
    MEMBER: tuple(
        name
        for name in ALL_SCOPES
        if name not in _MEMBER_EXCLUDED and name.split(":")[0] not in _MEMBER_EXCLUDED_RESOURCES
    ),
}
ROLE_SCOPE_SETS: dict[str, frozenset[str]] = {r: frozenset(s) for r, s in ROLE_SCOPES.items()}


def scopes_for_role(role: str) -> frozenset[str]:
    """Every scope a key of a user with `role` may hold; nothing for an unknown role."""
    return ROLE_SCOPE_SETS.get(role, frozenset())


def validate_requested_scopes(requested: list[str], role: str) -> list[str]:
    """Check a key's requested scopes against the catalogue and the role, naming each offender."""
    if not requested:
        raise BadRequest("scopes must contain at least one scope")
    allowed = scopes_for_role(role)
    problems: list[str] = []
    duplicates = sorted(name for name, count in Counter(requested).items() if count > 1)
    if duplicates:
        problems.append("duplicate scopes: " + ", ".join(duplicates))
    unknown = [name for name in dict.fromkeys(requested) if name not in DESCRIPTIONS]
    if unknown:
        problems.append("unknown scopes: " + ", ".join(_describe_unknown(name) for name in unknown))
    not_allowed = [n for n in dict.fromkeys(requested) if n in DESCRIPTIONS and n not in allowed]
    if not_allowed:
        problems.append(f"scopes not allowed for role {role}: " + ", ".join(not_allowed))
    if problems:
        raise BadRequest("Invalid scopes for user role: " + "; ".join(problems))
    return list(requested)


def _describe_unknown(name: str) -> str:
    lowered = {known.lower(): known for known in ALL_SCOPES}
    match = lowered.get(name.lower())
    return f"{name} (did you mean {match}?)" if match else name
