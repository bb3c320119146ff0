"""`variable`: instance-wide key/value pairs workflows can read."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from relayflow.core.ids import new_id
from relayflow.db.base import Base


class Variable(Base):
    """A named string value; keys are unique."""

    __tablename__ = "variable"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(50), unique=True)
    value: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(16), default="string")
