"""党风廉政 services: 一岗双责 lists and their acknowledgement, talks, festival spot checks with targets and findings,
and the 三重一大 register. Each checks `integrity.change` on the record's unit, runs in one transaction, is audited
(confidential text never enters the audit trail: a talk's summary is recorded as changed, not quoted) and edits
are optimistically locked. A double submit returns the record the first one made (`created` False)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import DOCUMENT_TYPES, IMAGE_TYPES, store_upload
from dudao.core.locking import bump, locked
from dudao.integrity.models import (
    DutyList,
    Festival,
    MajorMatter,
    MatterCategory,
    MatterDocument,
    SpotCheck,
    SpotFinding,
    SpotTarget,
    Talk,
    TalkKind,
    Vote,
)
from dudao.integrity.selectors import TARGET_KINDS
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can

PHOTO_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
DOCUMENTS_PER_UPLOAD = 10
TEXT_LIMIT = 5000
DUTY_FIELDS = ["post", "business_duties", "integrity_duties", "acknowledged_at"]
TALK_FIELDS = ["kind", "talker", "subject", "held_on", "place"]
CHECK_FIELDS = ["name", "festival", "starts_on", "ends_on", "focus", "closed_at"]
MATTER_FIELDS = [
    "category",
    "title",
    "decided_on",
    "meeting",
    "participants",
    "vote",
    "vote_detail",
    "amount",
    "note",
]


def _check(actor: User, unit: OrgUnit) -> None:
    if not can(actor, "integrity.change", unit):
        raise Forbidden("只有局领导（党组书记）和纪检监察员可以维护党风廉政记录")


def _text(value: str | None, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def _not_future(day: dt.date, *, label: str) -> None:
    today = timezone.localdate()
    if day > today:
        raise DomainError(f"{label}不能晚于今天（{today:%Y-%m-%d}）", code="date_in_future")


def _home_unit(person: User, *, label: str) -> OrgUnit:
    if person.unit is None:
        raise DomainError(f"{label}“{person.display_name}”没有所在单位，请先由系统管理员补全", code="no_unit")
    return person.unit


# ----- 一岗双责 ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DutyIn:
    year: int
    post: str
    business_duties: str
    integrity_duties: str


def _duty_values(data: DutyIn) -> dict[str, Any]:
    this_year = timezone.localdate().year
    if not this_year - 5 <= data.year <= this_year + 1:
        raise DomainError(f"年度应在 {this_year - 5} 至 {this_year + 1} 年之间", code="year_invalid")
    return {
        "post": _text(data.post, label="职务", limit=50),
        "business_duties": _text(data.business_duties, label="业务工作职责", limit=TEXT_LIMIT),
        "integrity_duties": _text(data.integrity_duties, label="党风廉政建设职责", limit=TEXT_LIMIT),
    }


def create_duty_list(*, actor: User, leader: User, data: DutyIn) -> tuple[DutyList, bool]:
    """The list of `leader` for the year, at the leader's unit. The same list posted twice returns the first;
    a different list for a leader and year already listed is refused (edit that one)."""
    unit = _home_unit(leader, label="领导干部")
    _check(actor, unit)
    values = _duty_values(data)
    with transaction.atomic():
        existing = DutyList.objects.select_for_update().filter(leader=leader, year=data.year, unit=unit).first()
        if existing is not None:
            if all(getattr(existing, k) == v for k, v in values.items()):
                return existing, False
            raise DomainError(
                f"{leader.display_name}的{data.year}年一岗双责清单已经存在，请在清单页面修改",
                code="duty_list_exists",
                status=409,
            )
        duty = DutyList.objects.create(unit=unit, leader=leader, year=data.year, issued_by=actor, **values)
        record_change(
            actor=actor,
            action="integrity_duty_create",
            obj=duty,
            unit_path=unit.path,
            after={"leader": leader.display_name, "year": data.year, **snapshot(duty, DUTY_FIELDS)},
        )
    return duty, True


def update_duty_list(*, actor: User, duty: DutyList, data: DutyIn, version: int | None) -> DutyList:
    """Change the duties; a changed list must be acknowledged again."""
    _check(actor, duty.unit)
    values = _duty_values(data)
    if data.year != duty.year:
        raise DomainError("清单的年度不能修改，请为新的年度另建清单", code="year_fixed")
    with transaction.atomic():
        fresh = locked(DutyList.objects, duty.pk, version)
        before = snapshot(fresh, DUTY_FIELDS)
        changed = any(getattr(fresh, k) != v for k, v in values.items())
        if not changed:
            return fresh
        for key, value in values.items():
            setattr(fresh, key, value)
        fresh.acknowledged_at = None
        fresh.updated_at = timezone.now()
        bump(fresh, [*values, "acknowledged_at", "updated_at"])
        record_change(
            actor=actor,
            action="integrity_duty_update",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after=snapshot(fresh, DUTY_FIELDS),
        )
    return fresh


def acknowledge_duty_list(*, actor: User, duty: DutyList, version: int | None) -> DutyList:
    """签收: only the leader named on the list; a second acknowledgement changes nothing."""
    if duty.leader_id != actor.pk:
        raise Forbidden("只有清单上的领导干部本人可以签收")
    with transaction.atomic():
        fresh = locked(DutyList.objects, duty.pk, None)
        if fresh.acknowledged_at is not None:
            return fresh
        if version is not None and version != fresh.version:
            raise DomainError("清单已被修改，请刷新页面阅读新的清单后再签收", code="stale_version", status=409)
        fresh.acknowledged_at = timezone.now()
        bump(fresh, ["acknowledged_at"])
        record_change(
            actor=actor,
            action="integrity_duty_acknowledge",
            obj=fresh,
            unit_path=fresh.unit.path,
            before={"acknowledged_at": None},
            after=snapshot(fresh, ["acknowledged_at"]),
        )
    return fresh


# ----- talks ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TalkIn:
    kind: str
    talker: User
    subject: User
    held_on: dt.date
    place: str
    summary: str


def _talk_values(data: TalkIn) -> dict[str, Any]:
    if data.kind not in TalkKind.values:
        raise DomainError("请选择谈话类型", code="talk_kind_invalid")
    if data.talker.pk == data.subject.pk:
        raise DomainError("谈话人和谈话对象不能是同一人", code="talk_same_person")
    _not_future(data.held_on, label="谈话日期")
    return {
        "kind": data.kind,
        "talker": data.talker,
        "subject": data.subject,
        "held_on": data.held_on,
        "place": _text(data.place, label="地点", limit=60, required=False),
        "summary": _text(data.summary, label="谈话要点", limit=TEXT_LIMIT),
    }


def record_talk(*, actor: User, data: TalkIn) -> tuple[Talk, bool]:
    """A talk, filed at the subject's unit. The same kind of talk by the same person with the same subject on the
    same day is one talk: a second submit returns it."""
    unit = _home_unit(data.subject, label="谈话对象")
    _check(actor, unit)
    values = _talk_values(data)
    with transaction.atomic():
        existing = Talk.objects.filter(
            kind=data.kind, talker=data.talker, subject=data.subject, held_on=data.held_on
        ).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                talk = Talk.objects.create(unit=unit, recorded_by=actor, **values)
        except IntegrityError:
            return Talk.objects.get(
                kind=data.kind, talker=data.talker, subject=data.subject, held_on=data.held_on
            ), False
        record_change(
            actor=actor,
            action="integrity_talk_create",
            obj=talk,
            unit_path=unit.path,
            after={**snapshot(talk, TALK_FIELDS), "summary": "（已加密记录）"},
        )
    return talk, True


def update_talk(*, actor: User, talk: Talk, data: TalkIn, version: int | None) -> Talk:
    _check(actor, talk.unit)
    values = _talk_values(data)
    if data.subject.pk != talk.subject_id:
        raise DomainError("谈话对象不能修改；记错了对象请另行登记", code="talk_subject_fixed")
    with transaction.atomic():
        fresh = locked(Talk.objects, talk.pk, version)
        before = snapshot(fresh, TALK_FIELDS)
        summary_changed = fresh.summary != values["summary"]
        for key, value in values.items():
            setattr(fresh, key, value)
        fresh.updated_at = timezone.now()
        try:
            with transaction.atomic():
                bump(fresh, [*values, "updated_at"])
        except IntegrityError as exc:
            raise DomainError("同一天已有同一谈话人与该对象的同类谈话记录", code="talk_exists", status=409) from exc
        after = snapshot(fresh, TALK_FIELDS)
        if summary_changed:
            before["summary"], after["summary"] = "（加密内容）", "（已修改，加密内容）"
        record_change(
            actor=actor,
            action="integrity_talk_update",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after=after,
        )
    return fresh


# ----- festival spot checks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckIn:
    name: str
    festival: str
    starts_on: dt.date
    ends_on: dt.date
    focus: str = ""


def _check_values(data: CheckIn) -> dict[str, Any]:
    if data.festival not in Festival.values:
        raise DomainError("请选择节日", code="festival_invalid")
    if data.ends_on < data.starts_on:
        raise DomainError("结束日期不能早于开始日期", code="dates_reversed")
    if (data.ends_on - data.starts_on).days > 60:
        raise DomainError("一次节日监督检查不超过 60 天", code="check_too_long")
    return {
        "name": _text(data.name, label="名称", limit=80),
        "festival": data.festival,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "focus": _text(data.focus, label="检查重点", limit=TEXT_LIMIT, required=False),
    }


def create_check(*, actor: User, unit: OrgUnit, data: CheckIn) -> tuple[SpotCheck, bool]:
    _check(actor, unit)
    values = _check_values(data)
    with transaction.atomic():
        existing = SpotCheck.objects.filter(unit=unit, name=values["name"]).first()
        if existing is not None:
            same = all(getattr(existing, k) == v for k, v in values.items())
            if same:
                return existing, False
            raise DomainError(f"已有名为“{values['name']}”的检查", code="check_exists", status=409)
        check = SpotCheck.objects.create(unit=unit, created_by=actor, **values)
        record_change(
            actor=actor,
            action="integrity_check_create",
            obj=check,
            unit_path=unit.path,
            after=snapshot(check, CHECK_FIELDS),
        )
    return check, True


def update_check(*, actor: User, check: SpotCheck, data: CheckIn, version: int | None) -> SpotCheck:
    _check(actor, check.unit)
    values = _check_values(data)
    with transaction.atomic():
        fresh = locked(SpotCheck.objects, check.pk, version)
        if SpotCheck.objects.filter(unit=fresh.unit, name=values["name"]).exclude(pk=fresh.pk).exists():
            raise DomainError(f"已有名为“{values['name']}”的检查", code="check_exists", status=409)
        before = snapshot(fresh, CHECK_FIELDS)
        for key, value in values.items():
            setattr(fresh, key, value)
        fresh.updated_at = timezone.now()
        bump(fresh, [*values, "updated_at"])
        record_change(
            actor=actor,
            action="integrity_check_update",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after=snapshot(fresh, CHECK_FIELDS),
        )
    return fresh


def close_check(*, actor: User, check: SpotCheck, version: int | None) -> SpotCheck:
    """结束检查: no more targets or findings. Closing a closed check changes nothing."""
    _check(actor, check.unit)
    with transaction.atomic():
        fresh = locked(SpotCheck.objects, check.pk, None)
        if fresh.closed_at is not None:
            return fresh
        if version is not None and version != fresh.version:
            raise DomainError("该记录已被他人修改，请刷新页面后重试", code="stale_version", status=409)
        fresh.closed_at = timezone.now()
        bump(fresh, ["closed_at"])
        record_change(
            actor=actor,
            action="integrity_check_close",
            obj=fresh,
            unit_path=fresh.unit.path,
            before={"closed_at": None},
            after=snapshot(fresh, ["closed_at"]),
        )
    return fresh


def _open(check: SpotCheck) -> None:
    if check.closed_at is not None:
        raise DomainError("该检查已结束，不能再增加检查对象或发现", code="check_closed", status=409)


def add_targets(
    *, actor: User, check: SpotCheck, units: Sequence[OrgUnit] = (), people: Sequence[User] = ()
) -> list[SpotTarget]:
    """Add units (offices, district bureaus, schools) and people under the check's unit; ones already targeted are
    skipped. Returns the targets added."""
    _check(actor, check.unit)
    if not units and not people:
        raise DomainError("请选择至少一个被检查单位或人员", code="targets_required")
    for unit in units:
        if unit.kind not in TARGET_KINDS or not unit.path.startswith(check.unit.path):
            raise DomainError(f"“{unit.name}”不在本次检查的范围内", code="target_out_of_scope")
    for person in people:
        if person.unit is None or not person.unit.path.startswith(check.unit.path):
            raise DomainError(f"“{person.display_name}”不在本次检查的范围内", code="target_out_of_scope")
    with transaction.atomic():
        fresh = locked(SpotCheck.objects, check.pk, None)
        _open(fresh)
        have_units = set(fresh.targets.filter(target_unit__isnull=False).values_list("target_unit_id", flat=True))
        have_people = set(fresh.targets.filter(target_user__isnull=False).values_list("target_user_id", flat=True))
        new = [SpotTarget(spot_check=fresh, target_unit=u) for u in dict.fromkeys(units) if u.pk not in have_units]
        new += [SpotTarget(spot_check=fresh, target_user=p) for p in dict.fromkeys(people) if p.pk not in have_people]
        if not new:
            return []
        created = SpotTarget.objects.bulk_create(new)
        record_change(
            actor=actor,
            action="integrity_targets_add",
            obj=fresh,
            unit_path=fresh.unit.path,
            after={
                "units": [t.target_unit.name for t in created if t.target_unit is not None],
                "people": [t.target_user.display_name for t in created if t.target_user is not None],
            },
        )
    return created


def remove_target(*, actor: User, target: SpotTarget) -> None:
    check = target.spot_check
    _check(actor, check.unit)
    with transaction.atomic():
        fresh = locked(SpotCheck.objects, check.pk, None)
        _open(fresh)
        if target.findings.exists():
            raise DomainError("该检查对象已有检查发现，不能移除", code="target_has_findings", status=409)
        label = target.label
        record_change(
            actor=actor,
            action="integrity_target_remove",
            obj=fresh,
            unit_path=fresh.unit.path,
            before={"target": label},
        )
        target.delete()


@dataclass(frozen=True)
class FindingIn:
    found_on: dt.date
    text: str
    is_problem: bool = True


def add_finding(
    *, actor: User, target: SpotTarget, data: FindingIn, photo: IO[bytes] | None = None
) -> tuple[SpotFinding, bool]:
    """A finding at one target, with an optional photo checked by content. The same text for the same target and
    day is one finding: a second submit returns it (and stores no second photo)."""
    check = target.spot_check
    _check(actor, check.unit)
    text = _text(data.text, label="检查发现", limit=TEXT_LIMIT)
    _not_future(data.found_on, label="发现日期")
    if data.found_on < check.starts_on:
        raise DomainError(f"发现日期不能早于检查开始日期（{check.starts_on:%Y-%m-%d}）", code="finding_before_check")
    with transaction.atomic():
        fresh = locked(SpotCheck.objects, check.pk, None)
        _open(fresh)
        existing = SpotFinding.objects.filter(target=target, found_on=data.found_on, text=text).first()
        if existing is not None:
            return existing, False
        stored = (
            store_upload(actor=actor, upload=photo, allowed=IMAGE_TYPES, max_bytes=PHOTO_MAX_BYTES)
            if photo is not None
            else None
        )
        finding = SpotFinding(
            spot_check=fresh,
            target=target,
            found_on=data.found_on,
            text=text,
            is_problem=data.is_problem,
            photo=stored,
            recorded_by=actor,
        )
        finding.save()
        record_change(
            actor=actor,
            action="integrity_finding_add",
            obj=fresh,
            unit_path=fresh.unit.path,
            after={
                "target": target.label,
                "found_on": data.found_on.isoformat(),
                "text": text,
                "is_problem": data.is_problem,
                "photo": stored.name if stored else "",
            },
        )
    return finding, True


# ----- 三重一大 -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatterIn:
    category: str
    title: str
    decided_on: dt.date
    meeting: str
    participants: str
    vote: str
    vote_detail: str = ""
    amount: Decimal | None = None
    note: str = ""


def _matter_values(data: MatterIn) -> dict[str, Any]:
    if data.category not in MatterCategory.values:
        raise DomainError("请选择事项类别", code="matter_category_invalid")
    if data.vote not in Vote.values:
        raise DomainError("请选择表决结果", code="vote_invalid")
    _not_future(data.decided_on, label="决策日期")
    if data.category == MatterCategory.FUNDS and data.amount is None:
        raise DomainError("大额资金使用事项请填写金额（万元）", code="amount_required")
    if data.amount is not None and data.amount <= 0:
        raise DomainError("金额应大于 0", code="amount_invalid")
    return {
        "category": data.category,
        "title": _text(data.title, label="事项", limit=120),
        "decided_on": data.decided_on,
        "meeting": _text(data.meeting, label="会议名称", limit=80),
        "participants": _text(data.participants, label="参会人员", limit=TEXT_LIMIT),
        "vote": data.vote,
        "vote_detail": _text(data.vote_detail, label="表决情况", limit=80, required=False),
        "amount": data.amount,
        "note": _text(data.note, label="备注", limit=TEXT_LIMIT, required=False),
    }


def _store_documents(actor: User, matter: MajorMatter, documents: Sequence[IO[bytes]]) -> list[MatterDocument]:
    if len(documents) > DOCUMENTS_PER_UPLOAD:
        raise DomainError(f"一次最多上传 {DOCUMENTS_PER_UPLOAD} 个文件", code="too_many_files")
    stored = [
        store_upload(actor=actor, upload=f, allowed=DOCUMENT_TYPES | IMAGE_TYPES, max_bytes=DOCUMENT_MAX_BYTES)
        for f in documents
    ]
    return [MatterDocument.objects.create(matter=matter, file=s, uploaded_by=actor) for s in stored]


def create_matter(
    *, actor: User, unit: OrgUnit, data: MatterIn, documents: Sequence[IO[bytes]] = ()
) -> tuple[MajorMatter, bool]:
    """Register a matter with its documents (each checked by content; one refused file refuses the whole entry).
    The same title on the same day at the same unit is one matter: a second submit returns it."""
    _check(actor, unit)
    values = _matter_values(data)
    with transaction.atomic():
        existing = MajorMatter.objects.filter(unit=unit, decided_on=data.decided_on, title=values["title"]).first()
        if existing is not None:
            return existing, False
        matter = MajorMatter.objects.create(unit=unit, recorded_by=actor, **values)
        docs = _store_documents(actor, matter, documents)
        record_change(
            actor=actor,
            action="integrity_matter_create",
            obj=matter,
            unit_path=unit.path,
            after={**snapshot(matter, MATTER_FIELDS), "documents": [d.file.name for d in docs]},
        )
    return matter, True


def update_matter(*, actor: User, matter: MajorMatter, data: MatterIn, version: int | None) -> MajorMatter:
    _check(actor, matter.unit)
    values = _matter_values(data)
    with transaction.atomic():
        fresh = locked(MajorMatter.objects, matter.pk, version)
        clash = MajorMatter.objects.filter(unit=fresh.unit, decided_on=data.decided_on, title=values["title"])
        if clash.exclude(pk=fresh.pk).exists():
            raise DomainError("同一天已登记同名事项", code="matter_exists", status=409)
        before = snapshot(fresh, MATTER_FIELDS)
        for key, value in values.items():
            setattr(fresh, key, value)
        fresh.updated_at = timezone.now()
        bump(fresh, [*values, "updated_at"])
        record_change(
            actor=actor,
            action="integrity_matter_update",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after=snapshot(fresh, MATTER_FIELDS),
        )
    return fresh


def add_documents(*, actor: User, matter: MajorMatter, documents: Sequence[IO[bytes]]) -> list[MatterDocument]:
    _check(actor, matter.unit)
    if not documents:
        raise DomainError("请选择要上传的文件", code="files_required")
    with transaction.atomic():
        fresh = locked(MajorMatter.objects, matter.pk, None)
        docs = _store_documents(actor, fresh, documents)
        record_change(
            actor=actor,
            action="integrity_matter_documents",
            obj=fresh,
            unit_path=fresh.unit.path,
            after={"documents": [d.file.name for d in docs]},
        )
    return docs
