"""领导驾驶舱: API routes."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["领导驾驶舱"])
