"""Overview, and read-only lists of workflows and credentials until their editors arrive."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from relayflow.api_keys.service import Actor, ApiKeyService
from relayflow.credentials.repository import CredentialFilters
from relayflow.credentials.service import CredentialService
from relayflow.credentials.types import registry
from relayflow.http.deps import InstanceDep, SessionDep
from relayflow.license.service import API_KEY_SCOPES
from relayflow.ui.routing import ui_router
from relayflow.ui.shell import page
from relayflow.ui.viewer import ViewerDep
from relayflow.workflows.repository import WorkflowFilters
from relayflow.workflows.service import WorkflowService

router = ui_router()

PAGE_SIZE = 50
Cursor = Annotated[str | None, Query(max_length=2000)]


def _base_url(request: Request, instance: InstanceDep) -> str:
    return (instance.settings.public_url or str(request.base_url)).rstrip("/")


@router.get("/")
async def overview(
    request: Request, viewer: ViewerDep, session: SessionDep, instance: InstanceDep
) -> Response:
    """Where a signed-in user lands: what is here, and how to reach the API."""
    keys = await ApiKeyService(session, instance.keys.pepper).list_own(Actor.of(viewer.principal))
    await instance.licence.reload(session)
    return page(
        request,
        viewer,
        "overview.html",
        section="overview",
        key_count=len(keys),
        base_url=_base_url(request, instance),
        scopes_licensed=instance.licence.is_enabled(API_KEY_SCOPES),
    )


@router.get("/workflows")
async def workflows(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    instance: InstanceDep,
    cursor: Cursor = None,
) -> Response:
    """The workflows the viewer may read, newest last, one page at a time."""
    service = WorkflowService(session, instance.activation)
    filters = WorkflowFilters(exclude_pinned_data=True)
    rows, next_cursor = await service.list_page(viewer.principal, filters, PAGE_SIZE, cursor)
    return page(
        request,
        viewer,
        "workflows.html",
        section="workflows",
        workflows=rows,
        next_cursor=next_cursor,
        first_page=cursor is None,
        base_url=_base_url(request, instance),
    )


@router.get("/credentials")
async def credentials(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    instance: InstanceDep,
    cursor: Cursor = None,
) -> Response:
    """The credentials the viewer may read (names and types; never their data)."""
    service = CredentialService(session, instance.cipher)
    rows, next_cursor = await service.list_page(
        viewer.principal, CredentialFilters(), PAGE_SIZE, cursor
    )
    return page(
        request,
        viewer,
        "credentials.html",
        section="credentials",
        credentials=rows,
        type_names={kind.name: kind.display_name for kind in registry.all()},
        next_cursor=next_cursor,
        first_page=cursor is None,
        base_url=_base_url(request, instance),
    )
