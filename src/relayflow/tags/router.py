"""`/api/v1/tags`."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/tags", tags=["Tags"])
