"""Settings → Licence (owner): what the instance is licensed for, and activation."""

from __future__ import annotations

from fastapi import Request, Response
from pydantic import ValidationError

from relayflow.core.errors import AppError
from relayflow.db.session import mark_auth_changed
from relayflow.http.deps import InstanceDep, SessionDep
from relayflow.rest.license_router import Activation
from relayflow.ui.forms import Problems
from relayflow.ui.routing import see_other, ui_router
from relayflow.ui.shell import page
from relayflow.ui.viewer import Viewer, ViewerDep, ViewerForm

router = ui_router()

FEATURES = {"apiKeyScopes": "API key scopes"}
NOTICES = {"activated": "Licence activated."}


async def _licence_page(
    request: Request,
    viewer: Viewer,
    session: SessionDep,
    instance: InstanceDep,
    *,
    licence_key: str = "",
    problems: Problems | None = None,
    status: int = 200,
) -> Response:
    await instance.licence.reload(session)
    state = instance.licence.state
    return page(
        request,
        viewer,
        "licence.html",
        status=status,
        section="settings",
        tab="licence",
        described=instance.licence.describe(),
        licence=state.license,
        features=FEATURES,
        licence_key=licence_key,
        problems=problems or Problems(),
        notice=NOTICES.get(request.query_params.get("notice", "")),
    )


@router.get("/settings/licence")
async def licence_page(
    request: Request, viewer: ViewerDep, session: SessionDep, instance: InstanceDep
) -> Response:
    """The licence state: licensed or not, its features, holder and end."""
    viewer.require_owner("manage the licence")
    return await _licence_page(request, viewer, session, instance)


@router.post("/settings/licence")
async def activate_licence(
    request: Request,
    viewer: ViewerDep,
    form: ViewerForm,
    session: SessionDep,
    instance: InstanceDep,
) -> Response:
    """Verify and store a licence, as `POST /rest/license/activate` does."""
    viewer.require_owner("manage the licence")
    text = form.get("licenseKey")
    problems = Problems()
    try:
        body = Activation.model_validate({"licenseKey": text})
        await instance.licence.activate(session, body.licenseKey)
    except ValidationError as exc:
        problems = Problems.of_validation(exc)
    except AppError as exc:
        await session.rollback()
        problems.add("licenseKey", exc.message)
    if problems:
        return await _licence_page(
            request, viewer, session, instance, licence_key=text, problems=problems, status=400
        )
    mark_auth_changed(session)
    return see_other("/settings/licence?notice=activated")
