"""Settings → API: list, create, edit, rotate and delete the signed-in user's API keys."""

from __future__ import annotations

from fastapi import Request, Response

from relayflow.api_keys.service import Actor, ApiKeyService
from relayflow.auth.scopes import ROLE_SCOPES
from relayflow.core.errors import AppError, BadRequest, NotFound
from relayflow.http.deps import ClientIp, InstanceDep, SessionDep
from relayflow.license.service import API_KEY_SCOPES
from relayflow.ui.display import scope_groups
from relayflow.ui.expiry import EXPIRY_CHOICES
from relayflow.ui.forms import Problems
from relayflow.ui.key_forms import KeyDraft, KeyView, check_new, check_update, field_of
from relayflow.ui.routing import see_other, ui_router
from relayflow.ui.shell import page
from relayflow.ui.viewer import Viewer, ViewerDep, ViewerForm

router = ui_router()

NOTICES = {"updated": "API key updated.", "deleted": "API key deleted."}
GRACE_PERIODS = (
    (0, "None: the current key stops working now"),
    (3600, "1 hour"),
    (86400, "24 hours"),
)
GRACE_CHOICES = {str(seconds): seconds for seconds, _ in GRACE_PERIODS}


def _service(session: SessionDep, instance: InstanceDep) -> ApiKeyService:
    return ApiKeyService(session, instance.keys.pepper)


async def _licensed(session: SessionDep, instance: InstanceDep) -> bool:
    await instance.licence.reload(session)
    return instance.licence.is_enabled(API_KEY_SCOPES)


async def _own_key(
    session: SessionDep, instance: InstanceDep, viewer: Viewer, key_id: str
) -> KeyView:
    """One of the viewer's keys; any other id is 404, as the API answers."""
    for key in await _service(session, instance).list_own(Actor.of(viewer.principal)):
        if key.id == key_id:
            return KeyView.of(key)
    raise NotFound(f'API key with ID "{key_id}" not found.')


@router.get("/settings")
async def settings(viewer: ViewerDep) -> Response:
    """Settings open on the API page."""
    del viewer
    return see_other("/settings/api")


@router.get("/settings/api")
async def list_keys(
    request: Request, viewer: ViewerDep, session: SessionDep, instance: InstanceDep
) -> Response:
    """The viewer's keys, redacted, with scopes, expiry and last use."""
    keys = await _service(session, instance).list_own(Actor.of(viewer.principal))
    return page(
        request,
        viewer,
        "api_keys.html",
        section="settings",
        tab="api",
        keys=[KeyView.of(key) for key in keys],
        role_scope_count=len(ROLE_SCOPES.get(viewer.role, ())),
        licensed=await _licensed(session, instance),
        notice=NOTICES.get(request.query_params.get("notice", "")),
    )


async def _key_form(
    request: Request,
    viewer: Viewer,
    session: SessionDep,
    instance: InstanceDep,
    draft: KeyDraft,
    *,
    key: KeyView | None = None,
    problems: Problems | None = None,
) -> Response:
    return page(
        request,
        viewer,
        "api_key_form.html",
        status=400 if problems else 200,
        section="settings",
        tab="api",
        key=key,
        draft=draft,
        expiry_choices=EXPIRY_CHOICES,
        groups=scope_groups(viewer.role),
        licensed=await _licensed(session, instance),
        problems=problems or Problems(),
    )


@router.get("/settings/api/new")
async def new_key(
    request: Request, viewer: ViewerDep, session: SessionDep, instance: InstanceDep
) -> Response:
    """The Create API Key form; without a licence every scope of the role is preselected."""
    licensed = await _licensed(session, instance)
    scopes = () if licensed else ROLE_SCOPES.get(viewer.role, ())
    return await _key_form(request, viewer, session, instance, KeyDraft("", scopes))


@router.post("/settings/api/new")
async def create_key(
    request: Request,
    viewer: ViewerDep,
    form: ViewerForm,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
) -> Response:
    """Create the key and show its raw value, this once only."""
    draft = KeyDraft.of_form(form)
    checked = check_new(draft, viewer.role)
    if isinstance(checked, Problems):
        return await _key_form(request, viewer, session, instance, draft, problems=checked)
    try:
        key, raw = await _service(session, instance).create(
            Actor.of(viewer.principal, ip), checked.label, checked.scopes, checked.expires_at
        )
    except AppError as exc:
        await session.rollback()
        problems = Problems.of_error(exc, field_of)
        return await _key_form(request, viewer, session, instance, draft, problems=problems)
    return _shown_once(request, viewer, KeyView.of(key), raw, rotated=False)


def _shown_once(
    request: Request, viewer: Viewer, key: KeyView, raw: str, *, rotated: bool, grace: int = 0
) -> Response:
    """The one page that ever shows a raw key (the page headers forbid storing it)."""
    return page(
        request,
        viewer,
        "api_key_secret.html",
        section="settings",
        tab="api",
        key=key,
        raw_key=raw,
        rotated=rotated,
        grace_seconds=grace,
    )


@router.get("/settings/api/{key_id}/edit")
async def edit_key(
    key_id: str, request: Request, viewer: ViewerDep, session: SessionDep, instance: InstanceDep
) -> Response:
    """The edit form: label and scopes (a key's expiry is fixed at creation)."""
    key = await _own_key(session, instance, viewer, key_id)
    draft = KeyDraft(key.label, key.scopes)
    return await _key_form(request, viewer, session, instance, draft, key=key)


@router.post("/settings/api/{key_id}/edit")
async def update_key(
    key_id: str,
    request: Request,
    viewer: ViewerDep,
    form: ViewerForm,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
) -> Response:
    """Save a new label and scopes, as `PATCH /rest/api-keys/{id}` does."""
    key = await _own_key(session, instance, viewer, key_id)
    draft = KeyDraft.of_form(form)
    checked = check_update(draft)
    if isinstance(checked, Problems):
        return await _key_form(request, viewer, session, instance, draft, key=key, problems=checked)
    try:
        await _service(session, instance).update(
            Actor.of(viewer.principal, ip), key_id, checked.label, checked.scopes
        )
    except AppError as exc:
        await session.rollback()
        problems = Problems.of_error(exc, field_of)
        return await _key_form(
            request, viewer, session, instance, draft, key=key, problems=problems
        )
    return see_other("/settings/api?notice=updated")


@router.get("/settings/api/{key_id}/rotate")
async def rotate_page(
    key_id: str, request: Request, viewer: ViewerDep, session: SessionDep, instance: InstanceDep
) -> Response:
    """Ask how long the current key should keep working after the rotation."""
    key = await _own_key(session, instance, viewer, key_id)
    return page(
        request,
        viewer,
        "api_key_rotate.html",
        section="settings",
        tab="api",
        key=key,
        grace_periods=GRACE_PERIODS,
    )


@router.post("/settings/api/{key_id}/rotate")
async def rotate_key(
    key_id: str,
    request: Request,
    viewer: ViewerDep,
    form: ViewerForm,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
) -> Response:
    """Give the key a new secret and show it once; the old one lives on for the grace period."""
    grace = GRACE_CHOICES.get(form.get("grace", "0"))
    if grace is None:
        raise BadRequest("Choose one of the grace periods offered")
    key, raw = await _service(session, instance).rotate(
        Actor.of(viewer.principal, ip), key_id, grace
    )
    return _shown_once(request, viewer, KeyView.of(key), raw, rotated=True, grace=grace)


@router.get("/settings/api/{key_id}/delete")
async def delete_page(
    key_id: str, request: Request, viewer: ViewerDep, session: SessionDep, instance: InstanceDep
) -> Response:
    """Ask for confirmation before revoking a key."""
    key = await _own_key(session, instance, viewer, key_id)
    return page(request, viewer, "api_key_delete.html", section="settings", tab="api", key=key)


@router.post("/settings/api/{key_id}/delete")
async def delete_key(
    key_id: str,
    viewer: ViewerDep,
    form: ViewerForm,
    session: SessionDep,
    instance: InstanceDep,
    ip: ClientIp,
) -> Response:
    """Revoke the key at once, everywhere."""
    del form
    await _service(session, instance).delete(Actor.of(viewer.principal, ip), key_id)
    return see_other("/settings/api?notice=deleted")
