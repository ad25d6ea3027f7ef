"""Writing audit events. Every service that changes important data calls `record_change`
inside its own transaction; every read of unmasked personal data calls `record_access`."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from dudao.audit.models import AuditEvent, ChainHead, EventKind
from dudao.core import context

if TYPE_CHECKING:
    from dudao.accounts.models import User


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model, fields: Sequence[str]) -> dict[str, Any]:
    """Field values as JSON-friendly data; foreign keys by id."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        data[name] = _plain(getattr(obj, attname))
    return data


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """{"field": [before, after]} for changed fields; whole snapshots for create/delete."""
    if before is None:
        return {"after": dict(after or {})}
    if after is None:
        return {"before": dict(before)}
    return {key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)}


# Personal numbers never enter the audit trail in clear: the trail is read by auditors who
# have no right to them, and reading them there would leave no access event.
def _mask_value(mask: Any, value: Any) -> Any:
    if isinstance(value, list):
        return [_mask_value(mask, v) for v in value]
    if isinstance(value, str) and value:
        return mask(value)
    return value


def redact(changes: Mapping[str, Any]) -> dict[str, Any]:
    from dudao.orgs.text import mask_id_card, mask_phone, mask_student_no

    # The 学籍号 carries the ID number (`G` + ID), so it is masked like one.
    maskers = {"id_card_no": mask_id_card, "student_no": mask_student_no, "phone": mask_phone}
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key in maskers:
            clean[key] = _mask_value(maskers[key], value)
        elif isinstance(value, Mapping):
            clean[key] = redact(value)
        else:
            clean[key] = value
    return clean


def canonical(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_payload(event: AuditEvent) -> dict[str, Any]:
    """Exactly the fields the hash covers."""
    at = event.at
    return {
        "seq": event.seq,
        "kind": event.kind,
        "action": event.action,
        "at": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "acting_unit_id": event.acting_unit_id,
        "acting_unit_name": event.acting_unit_name,
        "ip": event.ip,
        "request_id": event.request_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "unit_path": event.unit_path,
        "changes": event.changes,
    }


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical(event_payload(event))).encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One event to append; `obj` or (object_type, object_id, object_repr) name the object."""

    action: str
    kind: str = EventKind.CHANGE
    obj: models.Model | None = None
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""
    unit_path: str = ""
    changes: Mapping[str, Any] | None = None


def _actor_fields(actor: User | None) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "系统"
    return actor.pk, str(getattr(actor, "username", ""))


def root_path() -> str:
    """Events that belong to no unit (failed logins, audit exports) are filed under the root,
    where the city's auditors see them."""
    from dudao.orgs.models import OrgUnit

    return OrgUnit.objects.filter(depth=1).order_by("path").values_list("path", flat=True).first() or ""


def _lock_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _ = ChainHead.objects.get_or_create(pk=1)
        if connection.vendor != "sqlite":
            head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def append(*, actor: User | None, entries: Iterable[Entry]) -> list[AuditEvent]:
    """Append events to the chain in one transaction (the head row serialises writers)."""
    ctx = context.current()
    actor_id, actor_name = _actor_fields(actor)
    acting_unit_id = ctx.acting_unit_id
    acting_unit_name = ctx.acting_unit_name
    now = timezone.now()
    with transaction.atomic():
        head = _lock_head()
        seq, prev = head.seq, head.hash
        events: list[AuditEvent] = []
        fallback_path: str | None = None  # looked up once, only if some entry names no unit
        for entry in entries:
            if not entry.unit_path and fallback_path is None:
                fallback_path = root_path()
            obj = entry.obj
            seq += 1
            event = AuditEvent(
                seq=seq,
                kind=entry.kind,
                action=entry.action,
                at=now,
                actor_id=actor_id,
                actor_name=actor_name,
                acting_unit_id=acting_unit_id,
                acting_unit_name=acting_unit_name[:100],
                ip=ctx.ip or "",
                request_id=ctx.request_id,
                object_type=entry.object_type or (obj._meta.label_lower if obj is not None else ""),
                object_id=entry.object_id or (str(obj.pk) if obj is not None else ""),
                object_repr=(entry.object_repr or (str(obj) if obj is not None else ""))[:200],
                unit_path=entry.unit_path or fallback_path or "",
                changes=json.loads(canonical(redact(entry.changes or {}))),
                prev_hash=prev,
            )
            event.hash = compute_hash(prev, event)
            prev = event.hash
            events.append(event)
        if not events:
            return []
        AuditEvent.objects.bulk_create(events, batch_size=2000)
        ChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return events


def record_change(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    unit_path: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    entry = Entry(action=action, obj=obj, unit_path=unit_path, changes=diff(before, after))
    return append(actor=actor, entries=[entry])[0]


def record_access(
    *, actor: User | None, action: str, obj: models.Model | None, unit_path: str, details: Mapping[str, Any]
) -> AuditEvent:
    entry = Entry(action=action, kind=EventKind.ACCESS, obj=obj, unit_path=unit_path, changes=details)
    if obj is None:
        entry = Entry(
            action=action,
            kind=EventKind.ACCESS,
            object_type=str(details.get("object_type", "")),
            object_repr=str(details.get("object_repr", "")),
            unit_path=unit_path,
            changes=details,
        )
    return append(actor=actor, entries=[entry])[0]


def record_auth(
    *, actor: User | None, action: str, username: str, unit_path: str = "", details: Mapping[str, Any] | None = None
) -> AuditEvent:
    entry = Entry(
        action=action,
        kind=EventKind.AUTH,
        object_type="accounts.user",
        object_id=str(getattr(actor, "pk", "") or ""),
        object_repr=username,
        unit_path=unit_path,
        changes=details or {},
    )
    return append(actor=actor, entries=[entry])[0]


def record_security(*, action: str, object_type: str, subject: str, details: Mapping[str, Any]) -> AuditEvent:
    """An attack or policy hit with no acting user (e.g. one address guessing many accounts), filed under the
    root for the security officer; `subject` names what it is about (the address)."""
    entry = Entry(
        action=action,
        kind=EventKind.SECURITY,
        object_type=object_type,
        object_repr=subject,
        changes=details,
    )
    return append(actor=None, entries=[entry])[0]


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_seq: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_chain(*, chunk: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first event whose link or content does not match."""
    prev = "0" * 64
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:chunk])
        if not batch:
            break
        for event in batch:
            if event.seq != expected_seq:
                return VerifyResult(checked, expected_seq, f"缺少第 {expected_seq} 条事件（可能被删除）")
            if event.prev_hash != prev:
                return VerifyResult(checked, event.seq, "前序哈希不一致（链接被篡改）")
            if compute_hash(prev, event) != event.hash:
                return VerifyResult(checked, event.seq, "内容与哈希不一致（记录被修改）")
            prev = event.hash
            expected_seq += 1
            checked += 1
            last_seq = event.seq
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and head.seq != last_seq:
        return VerifyResult(checked, last_seq + 1, f"链尾缺少事件：链头记录为第 {head.seq} 条")
    return VerifyResult(checked, None)
