"""调度通报: API routes."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["调度通报"])
