"""`/api/v1/workflows`."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/workflows", tags=["Workflows"])
