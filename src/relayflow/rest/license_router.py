"""`/rest/license`: the licence state, and activation by the owner."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from relayflow.auth.session_dependencies import OwnerUser, SessionUser
from relayflow.db.session import mark_auth_changed
from relayflow.http.deps import InstanceDep, SessionDep
from relayflow.http.schemas import WireModel

router = APIRouter(prefix="/license", tags=["Licence"])


class Activation(WireModel):
    """`POST /rest/license/activate`."""

    licenseKey: str = Field(min_length=1, max_length=20_000)


@router.get("")
async def get_license(
    user: SessionUser, instance: InstanceDep, session: SessionDep
) -> dict[str, object]:
    """What the instance is licensed for."""
    del user
    await instance.licence.reload(session)
    return {"data": instance.licence.describe()}


@router.post("/activate")
async def activate_license(
    body: Activation, owner: OwnerUser, instance: InstanceDep, session: SessionDep
) -> dict[str, object]:
    """Verify and store a licence (owner only); a refused one leaves the state unchanged."""
    del owner
    await instance.licence.activate(session, body.licenseKey)
    mark_auth_changed(session)
    await instance.licence.reload(session)
    return {"data": instance.licence.describe()}
