"""`/api/v1/variables`: n8n's public variables API for owner and admin keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from relayflow.auth.dependencies import PublicRoute, requires
from relayflow.core import pagination
from relayflow.http.deps import SessionDep
from relayflow.variables.schemas import VariableIn, VariableList
from relayflow.variables.service import VariableService, to_wire

router = APIRouter(prefix="/variables", tags=["Variables"], route_class=PublicRoute)

Limit = Annotated[int, Query(ge=1, le=pagination.MAX_LIMIT)]


@router.post(
    "",
    status_code=201,
    response_class=Response,
    **requires("variable:create", errors=(409, 413)),
)
async def create_variable(body: VariableIn, session: SessionDep) -> Response:
    """Create a variable; the answer has no body."""
    await VariableService(session).create(body.key, body.value)
    return Response(status_code=201)


@router.get("", response_model=VariableList, **requires("variable:list"))
async def list_variables(
    session: SessionDep, limit: Limit = pagination.DEFAULT_LIMIT, cursor: str | None = None
) -> dict[str, object]:
    """Retrieve all variables."""
    variables, next_cursor = await VariableService(session).page(limit, cursor)
    return {"data": [to_wire(variable) for variable in variables], "nextCursor": next_cursor}


@router.put(
    "/{id}",
    status_code=204,
    response_class=Response,
    **requires("variable:update", errors=(404, 409, 413)),
)
async def update_variable(id: str, body: VariableIn, session: SessionDep) -> Response:
    """Replace a variable's key and value."""
    await VariableService(session).update(id, body.key, body.value)
    return Response(status_code=204)


@router.delete(
    "/{id}",
    status_code=204,
    response_class=Response,
    **requires("variable:delete", errors=(404,)),
)
async def delete_variable(id: str, session: SessionDep) -> Response:
    """Delete a variable."""
    await VariableService(session).delete(id)
    return Response(status_code=204)
