"""All SQL about variables."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core import keyset
from relayflow.db.models import Variable

ORDER = (Variable.id,)


class VariableRepository:
    """Reads and writes `variable` rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, variable_id: str) -> Variable | None:
        """A variable by id."""
        return await self.session.get(Variable, variable_id)

    async def by_key(self, key: str) -> Variable | None:
        """A variable by its exact key."""
        return await self.session.scalar(select(Variable).where(Variable.key == key))

    async def page(self, page: keyset.KeysetPage) -> list[Variable]:
        """Up to `page.limit + 1` variables after the cursor, by id."""
        query = keyset.apply(select(Variable), ORDER, page)
        return list((await self.session.scalars(query)).all())

    async def add(self, variable: Variable) -> Variable:
        """Store a new variable."""
        self.session.add(variable)
        await self.session.flush()
        return variable

    async def save(self) -> None:
        """Write pending changes to variables."""
        await self.session.flush()

    async def delete(self, variable: Variable) -> None:
        """Delete a variable."""
        await self.session.delete(variable)
        await self.session.flush()
