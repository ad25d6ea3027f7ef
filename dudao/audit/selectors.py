from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone

from dudao.audit.models import AuditEvent, EventKind

if TYPE_CHECKING:
    from dudao.accounts.models import User


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


def filters_from(params: Mapping[str, str]) -> dict[str, Any]:
    """The audit viewer's filters from its query parameters (the page, its export and the 下载中心 job)."""
    from dudao.orgs.models import OrgUnit

    unit_path = ""
    unit_id = params.get("unit", "")
    if unit_id.isdigit() and len(unit_id) <= 18:
        unit_path = OrgUnit.objects.filter(pk=int(unit_id)).values_list("path", flat=True).first() or "ZZZZ"
    kind = params.get("kind", "")
    return {
        "actor": params.get("actor", "").strip(),
        "kind": kind if kind in EventKind.values else "",
        "action": params.get("action", "").strip(),
        "object_type": params.get("object_type", "").strip(),
        "unit_path": unit_path,
        "date_from": _date(params.get("date_from")),
        "date_to": _date(params.get("date_to")),
    }


def events_for(user: User, *, filters: dict[str, Any] | None = None) -> QuerySet[AuditEvent]:
    """Events the user may read, filtered by who, what, when and unit."""
    qs = AuditEvent.objects.for_user(user, "read")
    f = filters or {}
    if f.get("actor"):
        qs = qs.filter(actor_name__icontains=f["actor"])
    if f.get("kind"):
        qs = qs.filter(kind=f["kind"])
    if f.get("action"):
        qs = qs.filter(action=f["action"])
    if f.get("object_type"):
        qs = qs.filter(object_type=f["object_type"])
    if f.get("unit_path"):
        qs = qs.filter(unit_path__under=f["unit_path"])
    tz = timezone.get_current_timezone()
    if isinstance(f.get("date_from"), dt.date):
        qs = qs.filter(at__gte=dt.datetime.combine(f["date_from"], dt.time(), tz))
    if isinstance(f.get("date_to"), dt.date):
        qs = qs.filter(at__lt=dt.datetime.combine(f["date_to"] + dt.timedelta(days=1), dt.time(), tz))
    return qs.order_by("-seq")
