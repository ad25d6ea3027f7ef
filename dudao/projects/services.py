"""Project services: file a project (linked to a hazard of the ledger if it repairs one), edit it, record its
备案/审批, start, complete and accept it, milestones and photos. Each checks the acting role on the project's
school, runs in one transaction and is audited; edits and transitions carry `version`; a transition submitted twice
returns the project unchanged.

The ¥10,000 rule (rules.py): a project estimated at ¥10,000 or more is refused to start without a filing number
and date; below it it may start straight from 立项 and is flagged "未达备案标准，可简易程序"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.core.files import IMAGE_TYPES, removed_on_failure, store_upload
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can
from dudao.projects import selectors
from dudao.projects.models import Funding, Milestone, PhotoStage, Project, ProjectKind, ProjectPhoto, ProjectStatus
from dudao.projects.rules import filing_threshold, needs_filing

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTOS_AT_ONCE = 9
MAX_ESTIMATE = Decimal("999999999.99")
PROJECT_FIELDS = [
    "title",
    "kind",
    "estimate",
    "funding",
    "description",
    "deadline",
    "deadline_note",
    "hazard_item_id",
]
STATE_FIELDS = ["status", "filing_number", "filed_on", "started_on", "completed_on", "accepted_on"]


def _check(actor: User, school: OrgUnit, permission: str = "project.change") -> None:
    if not can(actor, permission, school):
        if permission == "project.accept":
            raise Forbidden("只有区县或局机关的项目管理人员可以组织验收")
        raise Forbidden("只有本校校长、学校管理员或上级教育局的项目管理人员可以维护维修改造项目")


def _text(value: str | None, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def _day(value: dt.date | None, *, label: str) -> dt.date:
    today = timezone.localdate()
    value = value or today
    if value > today:
        raise DomainError(f"{label}不能晚于今天（{today:%Y-%m-%d}）", code="date_in_future")
    return value


def parse_estimate(raw: str | Decimal | float | int) -> Decimal:
    """Yuan with at most two decimals, more than zero."""
    try:
        value = Decimal(str(raw).replace(",", "").replace("，", "").strip())
    except InvalidOperation as exc:
        raise DomainError("预算金额应为数字（元），如 85000 或 8500.50", code="estimate_invalid") from exc
    if not value.is_finite() or value <= 0:
        raise DomainError("预算金额应大于 0 元", code="estimate_invalid")
    if value > MAX_ESTIMATE:
        raise DomainError("预算金额过大，请核对（单位为元）", code="estimate_invalid")
    if value != value.quantize(Decimal("0.01")):
        raise DomainError("预算金额最多保留两位小数", code="estimate_invalid")
    return value.quantize(Decimal("0.01"))


def _state(project: Project) -> dict[str, Any]:
    return snapshot(project, STATE_FIELDS)


@dataclass(frozen=True)
class ProjectIn:
    title: str
    kind: str
    estimate: Decimal | str
    funding: str
    description: str = ""
    deadline: dt.date | None = None
    deadline_note: str = ""
    hazard_item_id: int | None = None


def _values(actor: User, school: OrgUnit, data: ProjectIn, *, current_hazard: int | None = None) -> dict[str, Any]:
    if data.kind not in ProjectKind.values:
        raise DomainError("请选择项目类别", code="kind_invalid")
    if data.funding not in Funding.values:
        raise DomainError("请选择资金来源", code="funding_invalid")
    hazard = data.hazard_item_id or None
    if hazard is not None and hazard != current_hazard and selectors.hazard_for(actor, hazard, school) is None:
        raise DomainError("关联的隐患不存在或不属于该校，请从本校整改台账中选择", code="hazard_invalid")
    return {
        "title": _text(data.title, label="项目名称", limit=100),
        "kind": data.kind,
        "estimate": parse_estimate(data.estimate),
        "funding": data.funding,
        "description": _text(data.description, label="建设内容", limit=500, required=False),
        "deadline": data.deadline,
        "deadline_note": _text(data.deadline_note, label="期限说明", limit=60, required=False),
        "hazard_item_id": hazard,
    }


def create_project(*, actor: User, school: OrgUnit, data: ProjectIn) -> Project:
    if school.kind != UnitKind.SCHOOL:
        raise DomainError("维修改造项目只能登记在学校下", code="not_a_school")
    _check(actor, school)
    values = _values(actor, school, data)
    if values["deadline"] is not None and values["deadline"] < timezone.localdate():
        raise DomainError("投入使用期限不能早于今天", code="deadline_past")
    with transaction.atomic():
        now = timezone.now()
        project = Project.objects.create(school=school, created_by=actor, created_at=now, updated_at=now, **values)
        record_change(
            actor=actor,
            action="create",
            obj=project,
            unit_path=school.path,
            after={**snapshot(project, PROJECT_FIELDS), "needs_filing": needs_filing(project.estimate)},
        )
    return project


def update_project(*, actor: User, project: Project, data: ProjectIn, version: int | None) -> Project:
    _check(actor, project.school)
    values = _values(actor, project.school, data, current_hazard=project.hazard_item_id)
    with transaction.atomic():
        fresh = locked(Project.objects, project.pk, version)
        if fresh.status == ProjectStatus.ACCEPTED:
            raise DomainError("项目已验收，不能再修改", code="project_closed", status=409)
        started = fresh.status in (ProjectStatus.BUILDING, ProjectStatus.COMPLETED)
        if started and needs_filing(values["estimate"]) and not fresh.is_filed:
            raise DomainError(
                f"调整后预算达到 {filing_threshold():,.0f} 元备案标准，但项目未备案：请先补办备案/审批",
                code="filing_required",
            )
        before = snapshot(fresh, PROJECT_FIELDS)
        for key, value in values.items():
            setattr(fresh, key, value)
        fresh.updated_at = timezone.now()
        bump(fresh, [*PROJECT_FIELDS, "updated_at"])
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=project.school.path,
            before=before,
            after=snapshot(fresh, PROJECT_FIELDS),
        )
    return fresh


def _transition(
    actor: User, project: Project, version: int | None, change: Any, *, action: str, permission: str = "project.change"
) -> Project:
    _check(actor, project.school, permission)
    with transaction.atomic():
        fresh = locked(Project.objects, project.pk, None)
        before = _state(fresh)
        if not change(fresh):
            return fresh  # already there: a double submit changes nothing
        if version is not None and version != fresh.version:
            raise StaleEditError()  # changed by someone else since the page was rendered
        fresh.updated_at = timezone.now()
        bump(fresh, [*STATE_FIELDS, "updated_at"])
        record_change(
            actor=actor, action=action, obj=fresh, unit_path=project.school.path, before=before, after=_state(fresh)
        )
    return fresh


def file_project(
    *, actor: User, project: Project, filing_number: str, filed_on: dt.date | None, version: int | None
) -> Project:
    """备案/审批: the number and date of the filing; 立项 → 备案."""
    number = _text(filing_number, label="备案/审批文号", limit=60)
    if filed_on is None:
        raise DomainError("请填写备案/审批日期", code="required")
    day = _day(filed_on, label="备案/审批日期")

    def change(p: Project) -> bool:
        if p.status == ProjectStatus.FILED and p.filing_number == number:
            return False
        if p.status not in (ProjectStatus.PROPOSED, ProjectStatus.FILED):
            raise DomainError(
                f"项目处于“{p.get_status_display()}”阶段，不能再登记备案", code="bad_transition", status=409
            )
        p.status, p.filing_number, p.filed_on = ProjectStatus.FILED, number, day
        return True

    return _transition(actor, project, version, change, action="file")


def start_project(*, actor: User, project: Project, started_on: dt.date | None, version: int | None) -> Project:
    """开工: 立项 or 备案 → 施工. At or above the threshold a filing number and date must be on record."""
    day = _day(started_on, label="开工日期")

    def change(p: Project) -> bool:
        if p.status == ProjectStatus.BUILDING:
            return False
        if p.status not in (ProjectStatus.PROPOSED, ProjectStatus.FILED):
            raise DomainError(f"项目处于“{p.get_status_display()}”阶段，不能开工", code="bad_transition", status=409)
        if needs_filing(p.estimate) and not p.is_filed:
            raise DomainError(
                f"预算 {p.estimate:,.2f} 元，达到 {filing_threshold():,.0f} 元的维修工程备案标准："
                "须先登记备案/审批文号和日期，方可开工",
                code="filing_required",
            )
        p.status, p.started_on = ProjectStatus.BUILDING, day
        return True

    return _transition(actor, project, version, change, action="start")


def _store_photos(actor: User, project: Project, stage: str, photos: Sequence[IO[bytes]]) -> list[ProjectPhoto]:
    if len(photos) > PHOTOS_AT_ONCE:
        raise DomainError(f"一次最多上传 {PHOTOS_AT_ONCE} 张照片", code="too_many_photos")
    stored = [
        store_upload(actor=actor, upload=photo, allowed=IMAGE_TYPES, max_bytes=PHOTO_MAX_BYTES) for photo in photos
    ]
    return [ProjectPhoto.objects.create(project=project, stage=stage, file=f, uploaded_by=actor) for f in stored]


def add_photos(*, actor: User, project: Project, stage: str, photos: Sequence[IO[bytes]]) -> list[ProjectPhoto]:
    if stage not in PhotoStage.values:
        raise DomainError("请选择照片类别", code="stage_invalid")
    _check(actor, project.school, "project.accept" if stage == PhotoStage.ACCEPTANCE else "project.change")
    if not photos:
        raise DomainError("请选择要上传的照片", code="photo_missing")
    with removed_on_failure(), transaction.atomic():
        saved = _store_photos(actor, project, stage, photos)
        record_change(
            actor=actor,
            action="photos",
            obj=project,
            unit_path=project.school.path,
            after={"stage": stage, "files": [p.file_id for p in saved]},
        )
    return saved


def complete_project(
    *,
    actor: User,
    project: Project,
    completed_on: dt.date | None,
    photos: Sequence[IO[bytes]] = (),
    version: int | None,
) -> Project:
    """完工: 施工 → 完工, with at least one completion photo (uploaded now or before)."""
    day = _day(completed_on, label="完工日期")
    with removed_on_failure(), transaction.atomic():
        if photos:
            _check(actor, project.school)
            _store_photos(actor, project, PhotoStage.COMPLETION, photos)

        def change(p: Project) -> bool:
            if p.status == ProjectStatus.COMPLETED:
                return False
            if p.status != ProjectStatus.BUILDING:
                raise DomainError(
                    f"项目处于“{p.get_status_display()}”阶段，不能登记完工", code="bad_transition", status=409
                )
            if not p.photos.filter(stage=PhotoStage.COMPLETION).exists():
                raise DomainError("请上传完工照片", code="photo_missing")
            if p.started_on and day < p.started_on:
                raise DomainError("完工日期不能早于开工日期", code="date_order")
            p.status, p.completed_on = ProjectStatus.COMPLETED, day
            return True

        return _transition(actor, project, version, change, action="complete")


def accept_project(
    *,
    actor: User,
    project: Project,
    accepted_on: dt.date | None,
    photos: Sequence[IO[bytes]] = (),
    version: int | None,
) -> Project:
    """验收: 完工 → 验收 by the district or bureau, with at least one acceptance photo."""
    day = _day(accepted_on, label="验收日期")
    with removed_on_failure(), transaction.atomic():
        if photos:
            _check(actor, project.school, "project.accept")
            _store_photos(actor, project, PhotoStage.ACCEPTANCE, photos)

        def change(p: Project) -> bool:
            if p.status == ProjectStatus.ACCEPTED:
                return False
            if p.status != ProjectStatus.COMPLETED:
                raise DomainError(
                    f"项目处于“{p.get_status_display()}”阶段，不能验收", code="bad_transition", status=409
                )
            if not p.photos.filter(stage=PhotoStage.ACCEPTANCE).exists():
                raise DomainError("请上传验收照片", code="photo_missing")
            if p.completed_on and day < p.completed_on:
                raise DomainError("验收日期不能早于完工日期", code="date_order")
            p.status, p.accepted_on = ProjectStatus.ACCEPTED, day
            return True

        return _transition(actor, project, version, change, action="accept", permission="project.accept")


def add_milestone(*, actor: User, project: Project, name: str, planned_on: dt.date) -> Milestone:
    _check(actor, project.school)
    label = _text(name, label="节点名称", limit=60)
    with transaction.atomic():
        if project.milestones.filter(name=label, planned_on=planned_on).exists():
            return project.milestones.get(name=label, planned_on=planned_on)
        milestone = Milestone.objects.create(project=project, name=label, planned_on=planned_on)
        record_change(
            actor=actor,
            action="milestone",
            obj=project,
            unit_path=project.school.path,
            after={"milestone": label, "planned_on": planned_on.isoformat()},
        )
    return milestone


def reach_milestone(*, actor: User, milestone: Milestone, actual_on: dt.date | None) -> Milestone:
    project = milestone.project
    _check(actor, project.school)
    day = _day(actual_on, label="实际完成日期")
    with transaction.atomic():
        fresh = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if fresh.actual_on == day:
            return fresh
        before = fresh.actual_on
        fresh.actual_on = day
        fresh.save(update_fields=["actual_on"])
        record_change(
            actor=actor,
            action="milestone_reached",
            obj=project,
            unit_path=project.school.path,
            before={"milestone": fresh.name, "actual_on": before.isoformat() if before else None},
            after={"milestone": fresh.name, "actual_on": day.isoformat()},
        )
    return fresh
