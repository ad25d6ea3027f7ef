"""Inspection rounds: plan, split among teams, fill checklists on a phone, submit into findings, publish."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction
from django.db.models import Exists, Q, Subquery
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.files import IMAGE_TYPES, store_upload
from dudao.core.locking import bump, locked
from dudao.inspections.frameworks import current_version, indicator_score, is_failed, total_score
from dudao.inspections.models import (
    Answer,
    AnswerPhoto,
    Finding,
    FrameworkVersion,
    Indicator,
    Inspection,
    InspectionKind,
    InspectionStatus,
    Result,
    ScoringMethod,
    Severity,
    Target,
    TargetStatus,
    Team,
)
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can
from dudao.rectification import services as rectification

PHOTO_MAX_BYTES = 15 * 1024 * 1024
MAX_PHOTOS_PER_TARGET = 300
# (default days to fix, the longest the school may set), by severity. *default* values.
DAYS_TO_FIX = {Severity.GENERAL: (7, 14), Severity.SERIOUS: (3, 7)}
ROUND_FIELDS = ["name", "kind", "framework_version", "previous", "starts_on", "ends_on", "assessment_on", "status"]


def due_dates(severity: str, today: dt.date, assessment_on: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """(default due date, latest allowed) for a new finding; 倒排工期: both fall before the assessment day."""
    default_days, limit_days = DAYS_TO_FIX[Severity(severity)]
    due, limit = today + dt.timedelta(days=default_days), today + dt.timedelta(days=limit_days)
    # The eve of the assessment may be today itself (assessment tomorrow): then it is due today.
    if assessment_on and assessment_on > today:
        eve = assessment_on - dt.timedelta(days=1)
        due, limit = min(due, eve), min(limit, eve)
    return due, limit


def _ledger_due(assessment_on: dt.date | None) -> Callable[[Finding], dt.date]:
    """The ledger's default due date for each new item: by its finding's severity, before the assessment day."""
    today = timezone.localdate()
    return lambda finding: due_dates(finding.severity, today, assessment_on)[0]


def _check_round_fields(*, name: str, kind: str, starts_on: dt.date, ends_on: dt.date) -> str:
    """The round's name (stripped) once its name, kind and dates pass; else the DomainError naming what is wrong."""
    name = name.strip()
    if not name:
        raise DomainError("请填写轮次名称", code="name_required")
    if len(name) > 100:
        raise DomainError("轮次名称不能超过 100 字", code="name_too_long")
    if kind not in InspectionKind.values:
        raise DomainError("请选择督查类型", code="invalid_kind")
    if ends_on < starts_on:
        raise DomainError("结束日期不能早于开始日期", code="invalid_dates")
    if (ends_on - starts_on).days > 366:
        raise DomainError("一轮督查不能超过一年", code="invalid_dates")
    if starts_on < timezone.localdate() - dt.timedelta(days=366):
        raise DomainError("开始日期不能早于一年前", code="invalid_dates")
    return name


def _check_revisable(previous: Inspection) -> None:
    if previous.status not in (InspectionStatus.FINISHED, InspectionStatus.PUBLISHED):
        raise DomainError("要复查的轮次尚未结束", code="previous_not_finished")
    if previous.is_hidden_from_schools:
        raise DomainError("暗访轮次须先发布结果，才能安排回头看", code="previous_not_published")


def plan_inspection(
    *,
    actor: User,
    unit: OrgUnit,
    name: str,
    kind: str,
    framework_version: FrameworkVersion,
    schools: Sequence[OrgUnit],
    starts_on: dt.date,
    ends_on: dt.date,
    assessment_on: dt.date | None = None,
    previous: Inspection | None = None,
) -> Inspection:
    if not can(actor, "inspection.change", unit):
        raise Forbidden("您没有在该单位组织督查的权限")
    name = _check_round_fields(name=name, kind=kind, starts_on=starts_on, ends_on=ends_on)
    if kind == InspectionKind.REVISIT:
        if previous is None:
            raise DomainError("回头看须选择要复查的轮次", code="previous_required")
        _check_revisable(previous)
        # A revisit checks the same indicators the earlier round failed.
        framework_version = previous.framework_version
        if not schools:
            schools = list(
                OrgUnit.objects.filter(
                    pk__in=Finding.objects.filter(inspection=previous, item__status__in=rectification.OPEN_STATUSES)
                    .values("school")
                    .distinct()
                )
            )
    # A school picked twice (by district and by list) is inspected once.
    schools = list({s.pk: s for s in schools}.values())
    if not schools:
        raise DomainError("请至少选择一所学校", code="schools_required")
    outside = [s.name for s in schools if s.kind != UnitKind.SCHOOL or not s.path.startswith(unit.path)]
    if outside:
        raise DomainError(f"以下单位不是本单位下属学校：{'、'.join(outside[:5])}", code="school_outside")
    with transaction.atomic():
        inspection = Inspection.objects.create(
            name=name,
            kind=kind,
            unit=unit,
            framework_version=framework_version,
            previous=previous if kind == InspectionKind.REVISIT else None,
            starts_on=starts_on,
            ends_on=ends_on,
            assessment_on=assessment_on,
            created_by=actor,
        )
        Target.objects.bulk_create([Target(inspection=inspection, school=s) for s in schools])
        if previous is not None and kind == InspectionKind.REVISIT:
            _prefill_revisit(inspection, previous)
        record_change(
            actor=actor,
            action="create",
            obj=inspection,
            unit_path=unit.path,
            after={**snapshot(inspection, ROUND_FIELDS), "schools": len(schools)},
        )
    return inspection


def _prefill_revisit(inspection: Inspection, previous: Inspection) -> None:
    """Each open finding of the earlier round becomes a pre-filled 'not yet fixed' answer to re-check."""
    targets = {t.school_id: t for t in inspection.targets.all()}
    answers = []
    open_findings = Finding.objects.filter(
        inspection=previous, indicator__isnull=False, item__status__in=rectification.OPEN_STATUSES
    ).select_related("indicator")
    for finding in open_findings:
        target = targets.get(finding.school_id)
        if target is None or finding.indicator is None:
            continue
        answers.append(
            Answer(
                target=target,
                indicator=finding.indicator,
                result=Result.FAIL,
                # A deduct indicator with no occurrence would score full marks, i.e. "fixed".
                occurrences=1 if finding.indicator.method == ScoringMethod.DEDUCT else 0,
                note=f"上轮问题：{finding.description}"[:500],
                previous_finding=finding,
            )
        )
    Answer.objects.bulk_create(answers, ignore_conflicts=True)


def create_team(
    *, actor: User, inspection: Inspection, name: str, members: Sequence[Any], targets: Sequence[Target]
) -> Team:
    if not can(actor, "inspection.change", inspection.unit):
        raise Forbidden("您没有安排督查组的权限")
    if not name.strip():
        raise DomainError("请填写组名", code="name_required")
    if not members:
        raise DomainError("督查组至少要有一名成员", code="members_required")
    schools = [t.school for t in targets] or [inspection.unit]
    unable = [m.display_name for m in members if not _can_fill_schools(m, schools)]
    if unable:
        raise DomainError(f"以下人员没有在本轮范围内填写测评表的权限：{'、'.join(unable)}", code="member_cannot_fill")
    with transaction.atomic():
        team = Team.objects.create(inspection=inspection, name=name.strip(), leader=members[0])
        team.members.set(members)
        Target.objects.filter(inspection=inspection, pk__in=[t.pk for t in targets]).update(team=team)
        record_change(
            actor=actor,
            action="team_create",
            obj=inspection,
            unit_path=inspection.unit.path,
            after={
                "team": team.name,
                "members": [m.display_name for m in members],
                "schools": len(targets),
            },
        )
    return team


def _can_fill_schools(user: User, schools: Sequence[OrgUnit]) -> bool:
    """Whether one of the person's roles may fill checklists for every one of these schools (a district
    inspector can join a city round for the schools of the district)."""
    from dudao.orgs.models import RoleAssignment
    from dudao.orgs.roles import PERMISSIONS

    paths = [
        path
        for role, path in RoleAssignment.objects.filter(user=user, unit__is_closed=False).values_list(
            "role", "unit__path"
        )
        if role in PERMISSIONS["inspection.fill"]
    ]
    return bool(paths) and all(any(s.path.startswith(p) for p in paths) for s in schools)


def split_among_teams(*, actor: User, inspection: Inspection) -> int:
    """分片包校: hand the unassigned schools to the teams in equal shares, district by district."""
    if not can(actor, "inspection.change", inspection.unit):
        raise Forbidden("您没有安排督查组的权限")
    with transaction.atomic():
        teams = list(inspection.teams.all())
        if not teams:
            raise DomainError("请先建立督查组", code="teams_required")
        pending = list(inspection.targets.filter(team__isnull=True).select_related("school").order_by("school__path"))
        load = {t.pk: t.targets.count() for t in teams}
        # Schools in path order keep each district together; each team takes a run of schools that brings it
        # to an equal share, so a district is split only where the shares require it.
        total = sum(load.values()) + len(pending)
        queue = list(pending)
        for team in sorted(teams, key=lambda t: (load[t.pk], t.pk)):
            share = -(-total // len(teams)) - load[team.pk]
            taken, queue = queue[: max(0, share)], queue[max(0, share) :]
            Target.objects.filter(pk__in=[t.pk for t in taken]).update(team_id=team.pk)
            load[team.pk] += len(taken)
        after = {str(pk): count for pk, count in load.items()}
        record_change(actor=actor, action="teams_split", obj=inspection, unit_path=inspection.unit.path, after=after)
    return len(pending)


def check_can_fill(actor: User, target: Target) -> None:
    """Inspectors fill the rounds they run; a school fills only its own 自查."""
    inspection = target.inspection
    if not can(actor, "inspection.fill", target.school):
        raise Forbidden("您没有填写该测评表的权限")
    assignment = acting_assignment(actor)
    school_level = assignment is not None and assignment.unit.kind not in (
        UnitKind.BUREAU,
        UnitKind.DISTRICT,
        UnitKind.OFFICE,
    )
    if school_level != (inspection.kind == InspectionKind.SELF):
        raise Forbidden("学校只能填写本校自查表；其他督查由督查组填写")
    if target.status == TargetStatus.SUBMITTED:
        raise DomainError("该校测评表已提交，不能再修改", code="already_submitted", status=409)
    if inspection.status == InspectionStatus.PUBLISHED:
        raise DomainError("本轮结果已发布，不能再修改", code="round_published", status=409)


def check_team(actor: User, target: Target) -> None:
    """分片包校: a school given to a team is filled by its members (and by the round's organisers).

    `save_answer` makes the same check inside its one indicator query."""
    if target.team_id is None:
        return
    if Team.members.through.objects.filter(team_id=target.team_id, user_id=actor.pk).exists():
        return
    if not can(actor, "inspection.change", target.inspection.unit):
        raise Forbidden("该校由其他督查组负责")


def _parse_answer(indicator: Indicator, result: str, occurrences: Any, value: Any) -> tuple[str, int, Decimal | None]:
    if result not in Result.values:
        raise DomainError("请选择评定结果：达标、不达标或不适用", code="invalid_result")
    count, points = 0, None
    if indicator.method == ScoringMethod.DEDUCT and result == Result.FAIL:
        try:
            count = int(occurrences or 1)
        except (TypeError, ValueError) as exc:
            raise DomainError("问题处数应为整数", code="invalid_occurrences") from exc
        if not 1 <= count <= 999:
            raise DomainError("问题处数应在 1 到 999 之间", code="invalid_occurrences")
    if indicator.method == ScoringMethod.SCALE and result != Result.NOT_APPLICABLE:
        if value in (None, ""):
            points = indicator.max_score if result == Result.PASS else Decimal(0)
        else:
            try:
                points = Decimal(str(value))
            except InvalidOperation as exc:
                raise DomainError("得分应为数字", code="invalid_value") from exc
            # NaN cannot be compared (and would raise); infinities fall outside the range anyway.
            if not points.is_finite() or not Decimal(0) <= points <= indicator.max_score:
                raise DomainError(f"得分应在 0 到 {indicator.max_score:g} 之间", code="invalid_value")
    return result, count, points


def save_answer(
    *,
    actor: User,
    target: Target,
    indicator_id: int,
    result: str,
    occurrences: Any = None,
    value: Any = None,
    note: str = "",
) -> Answer:
    """Save one indicator's answer as the inspector goes: one lookup, one upsert, at most one status update.

    Answers are drafts until the checklist is submitted; the submission is audited with every answer.
    """
    check_can_fill(actor, target)
    team_member = Exists(Team.members.through.objects.filter(team_id=target.team_id or 0, user_id=actor.pk))
    # The organiser's unit path rides along in the same query (organisers may fill any team's school).
    round_unit_path = Subquery(Inspection.objects.filter(pk=target.inspection_id).values("unit__path")[:1])
    indicator = (
        Indicator.objects.filter(pk=indicator_id, framework_version_id=target.inspection.framework_version_id)
        .annotate(is_team_member=team_member, round_unit_path=round_unit_path)
        .first()
    )
    if indicator is None:
        raise DomainError("该指标不属于本轮使用的测评体系版本", code="indicator_not_in_framework")
    if not indicator.applies_to(target.school.school_type):
        raise DomainError("该指标不适用于本校的学校类型", code="indicator_not_applicable")
    organiser_unit = OrgUnit(path=indicator.round_unit_path)
    if target.team_id and not indicator.is_team_member and not can(actor, "inspection.change", organiser_unit):
        raise Forbidden("该校由其他督查组负责")
    result, count, points = _parse_answer(indicator, result, occurrences, value)
    answer = Answer(
        target=target,
        indicator=indicator,
        result=result,
        occurrences=count,
        value=points,
        note=(note or "").strip()[:500],
        updated_at=timezone.now(),
        updated_by=actor,
    )
    Answer.objects.bulk_create(
        [answer],
        update_conflicts=True,
        unique_fields=["target", "indicator"],
        update_fields=["result", "occurrences", "value", "note", "updated_at", "updated_by"],
    )
    if target.status == TargetStatus.PENDING:
        Target.objects.filter(pk=target.pk, status=TargetStatus.PENDING).update(status=TargetStatus.IN_PROGRESS)
        target.status = TargetStatus.IN_PROGRESS
    return answer


def add_photo(
    *,
    actor: User,
    target: Target,
    indicator_id: int | None,
    upload: IO[bytes],
    name: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> AnswerPhoto:
    check_can_fill(actor, target)
    check_team(actor, target)
    if (
        indicator_id is not None
        and not Indicator.objects.filter(
            pk=indicator_id, framework_version_id=target.inspection.framework_version_id
        ).exists()
    ):
        raise DomainError("该指标不属于本轮使用的测评体系版本", code="indicator_not_in_framework")
    with transaction.atomic():
        if AnswerPhoto.objects.filter(target=target).count() >= MAX_PHOTOS_PER_TARGET:
            raise DomainError(f"每所学校最多上传 {MAX_PHOTOS_PER_TARGET} 张照片", code="too_many_photos")
        stored = store_upload(actor=actor, upload=upload, name=name, allowed=IMAGE_TYPES, max_bytes=PHOTO_MAX_BYTES)
        photo = AnswerPhoto.objects.create(
            target=target,
            indicator_id=indicator_id,
            file=stored,
            latitude=_coordinate(latitude, 90),
            longitude=_coordinate(longitude, 180),
        )
        record_change(
            actor=actor,
            action="photo_add",
            obj=target,
            unit_path=target.school.path,
            after={"indicator": indicator_id, "file": stored.pk, "sha256": stored.sha256},
        )
    return photo


def _coordinate(value: Any, bound: int) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -bound <= number <= bound else None


def add_finding(
    *,
    actor: User,
    target: Target,
    category: str,
    description: str,
    severity: str = Severity.GENERAL,
    photo_ids: Sequence[int] = (),
) -> Finding:
    """A problem not on the list. Before submission it waits for the checklist; after, it goes to the ledger."""
    if target.status == TargetStatus.SUBMITTED:
        if not can(actor, "inspection.fill", target.school) or not can(
            actor, "inspection.change", target.inspection.unit
        ):
            raise Forbidden("您没有为该校补充问题的权限")
    else:
        check_can_fill(actor, target)
        check_team(actor, target)
    if not description.strip():
        raise DomainError("请填写问题描述", code="description_required")
    if severity not in Severity.values:
        raise DomainError("问题等级应为一般或严重", code="invalid_severity")
    today = timezone.localdate()
    _, limit = due_dates(severity, today, target.inspection.assessment_on)
    with transaction.atomic():
        finding = Finding.objects.create(
            school=target.school,
            inspection=target.inspection,
            target=target,
            category=(category or "其他").strip()[:100],
            description=description.strip()[:500],
            severity=severity,
            due_limit=limit,
            source=target.inspection.name,
            created_by=actor,
        )
        photos = AnswerPhoto.objects.filter(target=target, pk__in=photo_ids).values_list("file_id", flat=True)
        finding.photos.set(list(photos))
        record_change(
            actor=actor,
            action="finding_create",
            obj=finding,
            unit_path=target.school.path,
            after=snapshot(finding, ["category", "description", "severity", "due_limit"]),
        )
        if target.status == TargetStatus.SUBMITTED and not target.inspection.is_hidden_from_schools:
            rectification.create_items(
                actor=actor, findings=[finding], default_due=_ledger_due(target.inspection.assessment_on)
            )
    return finding


def checklist(target: Target) -> tuple[list[Indicator], dict[int, Answer]]:
    """The indicators that apply to this school, and the answers so far."""
    indicators = [
        i
        for i in Indicator.objects.filter(framework_version_id=target.inspection.framework_version_id).select_related(
            "section"
        )
        if i.applies_to(target.school.school_type)
    ]
    answers = {a.indicator_id: a for a in Answer.objects.filter(target=target).select_related("previous_finding")}
    return indicators, answers


class ChecklistIncomplete(DomainError):
    """A submission refused for named indicators (unanswered, or failed without a photo); the page marks them."""

    def __init__(self, message: str, *, code: str, indicators: Sequence[Indicator]) -> None:
        super().__init__(message, code=code)
        self.indicator_ids = [i.pk for i in indicators]


def _names(indicators: Sequence[Indicator], shown: int = 5) -> str:
    """“A1.2 校门口无占道经营”: the number the inspector sees on the sheet and the start of the text."""
    names = [f"{i.code} {i.text[:16]}".strip() for i in indicators[:shown]]
    return "；".join(names) + (f" 等 {len(indicators)} 项" if len(indicators) > shown else "")


def submit_target(*, actor: User, target: Target, version: int | None = None) -> list[Finding]:
    """Score the checklist and turn every failed indicator into a finding with its photos."""
    check_can_fill(actor, target)
    today = timezone.localdate()
    with transaction.atomic():
        target = Target.objects.select_for_update().select_related("inspection", "school").get(pk=target.pk)
        check_can_fill(actor, target)
        check_team(actor, target)
        check_version(target, version)
        inspection = target.inspection
        indicators, answers = checklist(target)
        missing = [i for i in indicators if not answers.get(i.pk) or not answers[i.pk].result]
        if missing:
            raise ChecklistIncomplete(
                f"还有 {len(missing)} 项指标未评定：{_names(missing)}",
                code="answers_missing",
                indicators=missing,
            )
        photos: dict[int | None, list[int]] = {}
        for indicator_id, file_id in AnswerPhoto.objects.filter(target=target).values_list("indicator_id", "file_id"):
            photos.setdefault(indicator_id, []).append(file_id)
        unproved = [
            i for i in indicators if i.evidence_required and is_failed(i, answers.get(i.pk)) and not photos.get(i.pk)
        ]
        if unproved:
            raise ChecklistIncomplete(
                f"以下不达标指标须拍照取证后才能提交：{_names(unproved)}",
                code="evidence_required",
                indicators=unproved,
            )
        findings: list[Finding] = []
        rechecked: list[tuple[Any, bool]] = []
        for indicator in indicators:
            answer = answers[indicator.pk]
            failed = is_failed(indicator, answer)
            if answer.previous_finding_id is not None:
                rechecked.append((answer.previous_finding_id, not failed))
                if failed:
                    continue
            if not failed:
                continue
            _, limit = due_dates(indicator.severity, today, inspection.assessment_on)
            finding = Finding.objects.create(
                school=target.school,
                inspection=inspection,
                target=target,
                indicator=indicator,
                category=indicator.section.title,
                description=f"{indicator.text}{'：' + answer.note if answer.note else ''}"[:500],
                severity=indicator.severity,
                due_limit=limit,
                source=inspection.name,
                created_by=actor,
            )
            finding.photos.set(photos.get(indicator.pk, []))
            findings.append(finding)
        score, maximum = total_score(indicators, answers)
        target.score, target.max_score = score, maximum
        target.status = TargetStatus.SUBMITTED
        target.submitted_at = timezone.now()
        target.submitted_by = actor
        bump(target, ["score", "max_score", "status", "submitted_at", "submitted_by"])
        extra = list(Finding.objects.filter(target=target, indicator__isnull=True))
        if not inspection.is_hidden_from_schools:
            rectification.create_items(
                actor=actor, findings=findings + extra, default_due=_ledger_due(inspection.assessment_on)
            )
        rectification.record_rechecks(actor=actor, rechecks=rechecked, inspection=inspection)
        _advance_round(inspection)
        record_change(
            actor=actor,
            action="submit",
            obj=target,
            unit_path=target.school.path,
            after={
                "score": str(score),
                "max_score": str(maximum),
                "findings": len(findings) + len(extra),
                "answers": {(i.code or str(i.pk)): _answer_text(i, answers[i.pk]) for i in indicators},
            },
        )
    return findings + extra


def _answer_text(indicator: Indicator, answer: Answer) -> str:
    scored = indicator_score(indicator, answer)
    label = Result(answer.result).label if answer.result else ""
    if scored is None:
        return str(label)
    return f"{label} {scored[0]:g}/{scored[1]:g}" + (f"（{answer.note}）" if answer.note else "")


def _advance_round(inspection: Inspection) -> None:
    pending = inspection.targets.exclude(status=TargetStatus.SUBMITTED).exists()
    status = InspectionStatus.IN_PROGRESS if pending else InspectionStatus.FINISHED
    if inspection.status in (InspectionStatus.PLANNED, InspectionStatus.IN_PROGRESS) and status != inspection.status:
        Inspection.objects.filter(pk=inspection.pk).update(status=status)
        inspection.status = status


def publish_results(*, actor: User, inspection: Inspection, version: int | None = None) -> Inspection:
    """Results go to the schools: an unannounced round becomes visible and its findings enter the ledger."""
    if not can(actor, "inspection.change", inspection.unit):
        raise Forbidden("您没有发布本轮结果的权限")
    with transaction.atomic():
        inspection = locked(Inspection.objects, inspection.pk, version)
        if inspection.status == InspectionStatus.PUBLISHED:
            raise DomainError("本轮结果已经发布", code="already_published", status=409)
        if inspection.targets.exclude(status=TargetStatus.SUBMITTED).exists():
            raise DomainError("还有学校的测评表未提交，不能发布结果", code="targets_pending", status=409)
        before = snapshot(inspection, ["status"])
        inspection.status = InspectionStatus.PUBLISHED
        inspection.published_at = timezone.now()
        bump(inspection, ["status", "published_at"])
        waiting = list(Finding.objects.filter(inspection=inspection, item__isnull=True))
        # The school's days to fix start when the findings reach it, not when they were written down.
        today = timezone.localdate()
        for finding in waiting:
            _, limit = due_dates(finding.severity, today, inspection.assessment_on)
            if limit > finding.due_limit:
                finding.due_limit = limit
                Finding.objects.filter(pk=finding.pk).update(due_limit=limit)
        rectification.create_items(actor=actor, findings=waiting, default_due=_ledger_due(inspection.assessment_on))
        record_change(
            actor=actor,
            action="publish",
            obj=inspection,
            unit_path=inspection.unit.path,
            before=before,
            after={"status": inspection.status, "findings_released": len(waiting)},
        )
    return inspection


def hidden_from(user: User) -> Q:
    """Rows of unannounced rounds the user may not see yet: the organiser's side sees them, schools do not."""
    assignment = acting_assignment(user)
    root = assignment.unit.path if assignment else ""
    return Q(kind=InspectionKind.UNANNOUNCED) & ~Q(status=InspectionStatus.PUBLISHED) & ~Q(unit__path__under=root)


def framework_version_for_new_round(framework: Any) -> FrameworkVersion:
    return current_version(framework)
