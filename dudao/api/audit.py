from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from dudao.accounts.requests import AuthedRequest
from dudao.api.schemas import Paged, PageParams
from dudao.audit.selectors import events_for
from dudao.core.pagination import paginate
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can

router = Router(tags=["审计"])


class EventOut(Schema):
    id: int
    seq: int
    kind: str
    action: str
    at: dt.datetime
    actor: int | None
    actor_name: str
    acting_unit: int | None
    acting_unit_name: str
    ip: str
    request_id: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    hash: str


@router.get("/audit/events", response=Paged[EventOut])
def list_events(
    request: AuthedRequest,
    paging: Query[PageParams],
    actor: str = "",
    kind: str = "",
    action: str = "",
    object_type: str = "",
    unit: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> dict[str, object]:
    """Audit events, newest first. Auditors only (security officers: access events)."""
    if not can(request.user, "audit.read_access"):
        raise HttpError(403, "只有审计管理员可以读取审计记录")
    unit_path = ""
    if unit is not None:
        unit_path = OrgUnit.objects.filter(pk=unit).values_list("path", flat=True).first() or ""
        if not unit_path:
            raise HttpError(404, "单位不存在")
    filters = {
        "actor": actor,
        "kind": kind,
        "action": action,
        "object_type": object_type,
        "unit_path": unit_path,
        "date_from": date_from,
        "date_to": date_to,
    }
    page = paginate(events_for(request.user, filters=filters), page=paging.page, page_size=paging.page_size)
    items = [
        EventOut(
            id=e.pk,
            seq=e.seq,
            kind=e.kind,
            action=e.action,
            at=e.at,
            actor=e.actor_id,
            actor_name=e.actor_name,
            acting_unit=e.acting_unit_id,
            acting_unit_name=e.acting_unit_name,
            ip=e.ip,
            request_id=e.request_id,
            object_type=e.object_type,
            object_id=e.object_id,
            object_repr=e.object_repr,
            changes=e.changes,
            hash=e.hash,
        )
        for e in page.items
    ]
    return {"items": items, "count": page.count}
