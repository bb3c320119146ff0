"""The rules of variables: unique keys, string values, keyset pages."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core import keyset
from relayflow.core.errors import Conflict, NotFound
from relayflow.db.models import Variable
from relayflow.variables.repository import VariableRepository

KEY_EXISTS = "Variable key already exists"
NOT_FOUND = "Not Found"
STRING = "string"


def to_wire(variable: Variable) -> dict[str, object]:
    """A variable as the public API shows it."""
    return {"id": variable.id, "key": variable.key, "value": variable.value, "type": STRING}


def sort_key(variable: Variable) -> tuple[object, ...]:
    """A variable's position in the list: its id."""
    return (variable.id,)


class VariableService:
    """Variable lifecycle for one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.variables = VariableRepository(session)

    async def page(self, limit: int, cursor: str | None) -> tuple[list[Variable], str | None]:
        """One page of variables by id, and the cursor of the next one."""
        page = keyset.read_cursor(limit, cursor, (str,))
        return keyset.finish(await self.variables.page(page), page, sort_key)

    async def find(self, variable_id: str) -> Variable:
        """A variable by id, or 404 `Not Found`."""
        variable = await self.variables.get(variable_id)
        if variable is None:
            raise NotFound(NOT_FOUND)
        return variable

    async def create(self, key: str, value: str) -> Variable:
        """A new string variable; 409 when the key is taken."""
        await self._ensure_free(key, None)
        try:
            return await self.variables.add(Variable(key=key, value=value, type=STRING))
        except IntegrityError:
            raise Conflict(KEY_EXISTS) from None

    async def update(self, variable_id: str, key: str, value: str) -> Variable:
        """Replace a variable's key and value; 409 when another variable has the key."""
        variable = await self.find(variable_id)
        await self._ensure_free(key, variable.id)
        variable.key, variable.value = key, value
        try:
            await self.variables.save()
        except IntegrityError:
            raise Conflict(KEY_EXISTS) from None
        return variable

    async def delete(self, variable_id: str) -> None:
        """Delete a variable."""
        await self.variables.delete(await self.find(variable_id))

    async def _ensure_free(self, key: str, own_id: str | None) -> None:
        """409 `Variable key already exists` when a variable other than `own_id` has `key`."""
        holder = await self.variables.by_key(key)
        if holder is not None and holder.id != own_id:
            raise Conflict(KEY_EXISTS)
