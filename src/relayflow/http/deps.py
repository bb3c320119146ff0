"""Dependencies every route shares: the instance, the request's unit of work, the client IP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core.client_ip import client_ip
from relayflow.db.session import AUTH_CHANGED
from relayflow.instance import Instance


async def get_instance(request: Request) -> Instance:
    """The running instance."""
    instance: Instance = request.app.state.instance
    return instance


InstanceDep = Annotated[Instance, Depends(get_instance)]


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: services flush, this commits before the response is sent."""
    instance: Instance = request.app.state.instance
    async with instance.database.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        if session.info.get(AUTH_CHANGED):
            await instance.keys.invalidate()


SessionDep = Annotated[AsyncSession, Depends(db_session, scope="function")]


async def get_client_ip(request: Request, instance: InstanceDep) -> str:
    """The caller's IP address, seen through trusted proxies only."""
    return client_ip(request, instance.settings.trusted_networks)


ClientIp = Annotated[str, Depends(get_client_ip)]
