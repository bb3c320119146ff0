"""All SQL about users."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.auth.scopes import OWNER
from relayflow.db.models import ApiKey, ProjectRelation, User


class UserRepository:
    """Reads and writes `user` rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: str) -> User | None:
        """A user by id."""
        return await self.session.get(User, user_id)

    async def by_email(self, email: str) -> User | None:
        """A user by e-mail address (case-insensitive)."""
        return await self.session.scalar(select(User).where(User.email == email.lower()))

    async def owner(self) -> User | None:
        """The instance owner, if set up."""
        return await self.session.scalar(select(User).where(User.role == OWNER))

    async def page(
        self, offset: int, limit: int, project_id: str | None = None
    ) -> tuple[list[User], int]:
        """One page of users (of project `project_id` if given) in creation order; their count."""
        query = select(User)
        if project_id is not None:
            members = select(ProjectRelation.user_id).where(
                ProjectRelation.project_id == project_id
            )
            query = query.where(User.id.in_(members))
        page = query.order_by(User.created_at, User.id).offset(offset).limit(limit)
        users = list((await self.session.scalars(page)).all())
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        return users, int(total or 0)

    async def add(self, user: User) -> User:
        """Store a new user."""
        self.session.add(user)
        await self.session.flush()
        return user

    async def delete(self, user: User) -> None:
        """Delete a user; its keys and sessions go with it."""
        await self.session.delete(user)
        await self.session.flush()

    async def keys_of(self, user_id: str) -> list[ApiKey]:
        """A user's API keys."""
        return list(
            (await self.session.scalars(select(ApiKey).where(ApiKey.user_id == user_id))).all()
        )
