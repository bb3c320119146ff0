"""`/api/v1/variables`."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/variables", tags=["Variables"])
