"""Access to case files: one access event per read, list, lookup or refused request; break-glass grants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_access
from dudao.cases.models import AlertKind, BreakGlassGrant, CaseFile, DropoutSuggestion, HomeVisit, ScreeningResult
from dudao.cases.services._common import _alert, _principals
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs.models import RoleAssignment
from dudao.orgs.roles import Role, allows
from dudao.orgs.scoping import acting_assignment


def log_read(*, actor: User, case: CaseFile, via: str, break_glass: bool = False) -> None:
    """One access event per read of a case (page, API, print, export)."""
    record_access(
        actor=actor,
        action=f"case_{via}",
        obj=case,
        unit_path=case.school.path,
        details={"via": via, "kind": case.kind, "break_glass": break_glass},
    )


def log_denied(*, actor: User, case_id: int, via: str) -> None:
    """Someone asked for a case they may not see: answered 404, and written down (filed under the case's school
    when it exists, so the school's report shows attempts on its files)."""
    from dudao.audit.services import root_path

    school_path = CaseFile.objects.filter(pk=case_id).values_list("school__path", flat=True).first()
    append(
        actor=actor,
        entries=[
            Entry(
                action="case_denied",
                kind="access",
                object_type="cases.casefile",
                object_id=str(case_id)[:40],
                object_repr=f"个案 #{case_id}",
                unit_path=school_path or root_path(),
                changes={"via": via, "denied": True},
            )
        ],
    )


def log_list(*, actor: User, cases: Iterable[CaseFile], via: str) -> None:
    """A list showing names: one event naming every case shown."""
    shown = list(cases)
    if not shown:
        return
    append(
        actor=actor,
        entries=[
            Entry(
                action=f"case_{via}",
                kind="access",
                obj=case,
                unit_path=case.school.path,
                changes={"via": via, "kind": case.kind},
            )
            for case in shown
        ],
    )


def log_lookup(*, actor: User, student_no: str, cases: Iterable[CaseFile]) -> None:
    """A break-glass lookup by 学籍号: one access event per school where files were found (the student number, masked
    by the audit trail, and the case ids, no content); a lookup that found nothing is written too, under the
    searcher's unit."""
    by_school: dict[str, list[int]] = {}
    for case in cases:
        by_school.setdefault(case.school.path, []).append(case.pk)
    if not by_school:
        assignment = acting_assignment(actor)
        by_school[assignment.unit.path if assignment is not None else ""] = []
    append(
        actor=actor,
        entries=[
            Entry(
                action="case_lookup",
                kind="access",
                object_type="cases.casefile",
                object_id=str(ids[0]) if len(ids) == 1 else "",
                object_repr=f"按学籍号查找个案（{len(ids)} 份）",
                unit_path=path,
                changes={"via": "break_glass_lookup", "student_no": student_no, "cases": ids},
            )
            for path, ids in by_school.items()
        ],
    )


def log_suggestions(
    *, actor: User, unit_path: str, screening: Iterable[ScreeningResult], dropout: Iterable[DropoutSuggestion]
) -> None:
    """The suggestions page names students with scores and absences: one access event per kind shown."""
    entries = []
    for object_type, rows in (("cases.screeningresult", list(screening)), ("cases.dropoutsuggestion", list(dropout))):
        if not rows:
            continue
        entries.append(
            Entry(
                action="suggestion_list",
                kind="access",
                object_type=object_type,
                object_repr=f"{len(rows)} 条建案建议",
                unit_path=unit_path,
                changes={"via": "suggestions", "ids": [r.pk for r in rows]},
            )
        )
    if entries:
        append(actor=actor, entries=entries)


def log_visits_read(*, actor: User, visits: Iterable[HomeVisit], via: str) -> None:
    """Home-visit findings shown on a page or through the API: one access event per class, naming the visits."""
    by_class: dict[str, list[int]] = {}
    for visit in visits:
        if visit.findings or visit.follow_ups:
            by_class.setdefault(visit.klass.path, []).append(visit.pk)
    if not by_class:
        return
    append(
        actor=actor,
        entries=[
            Entry(
                action=f"visit_{via}",
                kind="access",
                object_type="cases.homevisit",
                object_repr=f"{len(ids)} 条家访记录",
                unit_path=path,
                changes={"visits": ids, "via": via},
            )
            for path, ids in by_class.items()
        ],
    )


def break_glass(*, actor: User, case: CaseFile, reason: str) -> BreakGlassGrant:
    """Emergency access with a written reason: 24 h, owners and the security officer told, on the access report."""
    assignment = acting_assignment(actor)
    if assignment is None or not allows(assignment.role, "case.break_glass"):
        raise Forbidden("只有校长或个案督导专员可以申请紧急授权")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise DomainError("请写明紧急访问的理由（不少于 10 个字）", code="reason_required")
    if len(reason) > 500:
        raise DomainError("理由不能超过 500 字", code="text_too_long")
    from dudao.cases.selectors import break_glass_scope, cases_for

    with transaction.atomic():
        case = CaseFile.objects.select_related("school", "student", "counsellor", "class_teacher").get(pk=case.pk)
        if not break_glass_scope(actor).filter(pk=case.pk).exists():
            if cases_for(actor).filter(pk=case.pk).exists():
                raise DomainError("您已可以查看该个案，无需紧急授权", code="already_visible", status=409)
            raise Forbidden("该个案不在您可申请紧急授权的范围内")
        hours = settings.DUDAO_CASE_BREAK_GLASS_HOURS
        now = timezone.now()
        grant = BreakGlassGrant.objects.create(
            case=case,
            user=actor,
            role=assignment.role,
            reason=reason,
            granted_at=now,
            expires_at=now + dt.timedelta(hours=hours),
        )
        officers = User.objects.filter(
            is_active=True,
            pk__in=RoleAssignment.objects.filter(role=Role.SECURITY_OFFICER).values("user_id"),
        )
        officers = [
            u
            for u in officers
            if any(case.school.path.startswith(a.unit.path) for a in u.assignments.select_related("unit"))
        ]
        owners = [case.counsellor, case.class_teacher, *_principals(case.school)]
        _alert(
            [u for u in [*owners, *officers] if u is not None and u.pk != actor.pk],
            case=case,
            kind=AlertKind.BREAK_GLASS,
            text=f"{actor.display_name}对{case}使用了紧急授权（{hours} 小时）：{reason[:120]}",
        )
        record_access(
            actor=actor,
            action="break_glass",
            obj=case,
            unit_path=case.school.path,
            details={"grant": grant.pk, "reason_chars": len(reason), "hours": hours, "role": assignment.role},
        )
    return grant
