"""一校一档: API routes."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["一校一档"])
