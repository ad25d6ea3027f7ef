from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone

from dudao.audit.models import AuditEvent

if TYPE_CHECKING:
    from dudao.accounts.models import User


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
