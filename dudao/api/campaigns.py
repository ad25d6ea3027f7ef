"""专项工作: API routes."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["专项工作"])
