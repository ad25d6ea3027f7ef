"""Reads for inspections, scoped to the acting role. Unannounced rounds stay hidden from schools until published."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q, QuerySet

from dudao.accounts.models import User
from dudao.inspections.models import (
    AnswerPhoto,
    Finding,
    Framework,
    FrameworkVersion,
    Indicator,
    Inspection,
    InspectionKind,
    InspectionStatus,
    Target,
    TargetStatus,
    Team,
)
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import scope_root_path


def _ancestor_paths(path: str) -> list[str]:
    return [path[:i] for i in range(OrgUnit.steplen, len(path) + 1, OrgUnit.steplen)]


def frameworks_for(user: User, action: str = "read") -> QuerySet[Framework]:
    """Frameworks kept by the user's unit, by units above it (which its schools are inspected against) or below."""
    root = scope_root_path(user, f"framework.{action}")
    if root is None:
        return Framework.objects.none()
    if action != "read":
        return Framework.objects.filter(unit__path__under=root)
    return Framework.objects.filter(Q(unit__path__under=root) | Q(unit__path__in=_ancestor_paths(root)))


def _hidden(root: str, prefix: str = "") -> Q:
    """Unannounced, unpublished rounds whose organiser is not inside the user's scope."""
    return (
        Q(**{f"{prefix}kind": InspectionKind.UNANNOUNCED})
        & ~Q(**{f"{prefix}status": InspectionStatus.PUBLISHED})
        & ~Q(**{f"{prefix}unit__path__under": root})
    )


def rounds_for(user: User, action: str = "read") -> QuerySet[Inspection]:
    """Rounds organised inside the scope, and (for read) rounds that inspect schools inside it."""
    root = scope_root_path(user, f"inspection.{action}")
    if root is None:
        return Inspection.objects.none()
    if action != "read":
        return Inspection.objects.filter(unit__path__under=root)
    targeted = Target.objects.filter(school__path__under=root).values("inspection_id")
    return Inspection.objects.filter(Q(unit__path__under=root) | Q(pk__in=targeted)).exclude(_hidden(root))


def targets_for(user: User, action: str = "read") -> QuerySet[Target]:
    root = scope_root_path(user, f"inspection.{action}")
    if root is None:
        return Target.objects.none()
    return (
        Target.objects.filter(school__path__under=root)
        .exclude(_hidden(root, "inspection__"))
        .select_related("inspection", "school", "team")
    )


def findings_for(user: User) -> QuerySet[Finding]:
    root = scope_root_path(user, "inspection.read")
    if root is None:
        return Finding.objects.none()
    hidden = Q(inspection__isnull=False) & _hidden(root, "inspection__")
    return Finding.objects.filter(school__path__under=root).exclude(hidden).select_related("school", "inspection")


# ----- pages ---------------------------------------------------------------------------------------------------


def framework_list(user: User) -> QuerySet[Framework]:
    return frameworks_for(user).select_related("unit").annotate(editions=Count("versions")).order_by("name")


def framework_versions(framework: Framework) -> list[FrameworkVersion]:
    """Its editions with how many rounds use each, newest first (grouping drops the model's default ordering)."""
    return list(framework.versions.annotate(rounds=Count("inspections")).order_by("-number"))


def indicators_of(framework: Framework) -> QuerySet[Indicator]:
    """The indicators of every edition of a framework the caller found in `frameworks_for`."""
    return Indicator.objects.filter(framework_version__framework=framework)


def indicators_by_section(version: FrameworkVersion) -> dict[str, list[Indicator]]:
    sections: dict[str, list[Indicator]] = {}
    for indicator in Indicator.objects.filter(framework_version=version).select_related("section"):
        sections.setdefault(indicator.section.title, []).append(indicator)
    return sections


def round_list(user: User) -> QuerySet[Inspection]:
    """Rounds in scope with how many schools each visits and how many are submitted."""
    return (
        rounds_for(user)
        .select_related("unit", "framework_version__framework")
        .annotate(
            schools=Count("targets", distinct=True),
            submitted=Count("targets", filter=Q(targets__status=TargetStatus.SUBMITTED), distinct=True),
        )
    )


def my_open_targets(user: User) -> QuerySet[Target]:
    """Schools still to be checked by the user: their team's, their own round's without teams, and self checks."""
    return (
        targets_for(user)
        .filter(
            Q(team__members=user)
            | Q(team__isnull=True, inspection__created_by=user)
            | Q(inspection__kind=InspectionKind.SELF)
        )
        .exclude(status=TargetStatus.SUBMITTED)
        .distinct()
        .order_by("inspection__starts_on", "school__path")
    )


def round_targets(user: User, inspection: Inspection) -> QuerySet[Target]:
    return (
        targets_for(user)
        .filter(inspection=inspection)
        .annotate(finding_count=Count("findings"))
        .order_by("school__path")
    )


def round_teams(inspection: Inspection) -> QuerySet[Team]:
    return inspection.teams.prefetch_related("members").annotate(schools=Count("targets"))


def district_choices(user: User) -> list[tuple[int, str]]:
    """Open districts under the planner's scope, for picking the schools of a round."""
    root = scope_root_path(user, "inspection.change") or ""
    return list(
        OrgUnit.objects.filter(kind=UnitKind.DISTRICT, path__under=root, is_closed=False)
        .order_by("path")
        .values_list("pk", "name")
    )


def schools_picked(
    unit: OrgUnit, *, districts: Sequence[Any], school_types: Sequence[str], names: Sequence[str]
) -> tuple[list[OrgUnit], list[str]]:
    """Open schools under `unit` in the chosen districts and of the chosen types, plus those named (by name or
    code), in path order; and the names that match no school."""
    schools = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False, path__under=unit.path)
    picked: dict[int, OrgUnit] = {}
    if districts or school_types:
        chosen = schools
        if districts:
            condition = Q()
            for path in OrgUnit.objects.filter(pk__in=districts).values_list("path", flat=True):
                condition |= Q(path__under=path)
            chosen = chosen.filter(condition)
        if school_types:
            chosen = chosen.filter(school_type__in=school_types)
        picked.update({s.pk: s for s in chosen})
    unknown: list[str] = []
    if names:
        found = {s.name: s for s in schools.filter(Q(name__in=names) | Q(code__in=names))}
        found.update({s.code: s for s in found.values() if s.code})
        unknown = [n for n in names if n not in found]
        picked.update({s.pk: s for s in found.values()})
    return sorted(picked.values(), key=lambda s: s.path), unknown


def photos_for(user: User) -> QuerySet[AnswerPhoto]:
    return AnswerPhoto.objects.filter(target__in=targets_for(user))


def photos_by_indicator(target: Target) -> dict[int | None, list[AnswerPhoto]]:
    """A school's checklist photos by indicator (None: photos of no indicator)."""
    photos: dict[int | None, list[AnswerPhoto]] = {}
    for photo in AnswerPhoto.objects.filter(target=target).select_related("file"):
        photos.setdefault(photo.indicator_id, []).append(photo)
    return photos


def team_candidates(inspection: Inspection) -> list[tuple[User, str]]:
    """The people a team of this round is picked from: staff of the inspecting unit, its offices and the
    district bureaus under it who may fill checklists, each with what they are (督学 · 教育督导室).
    Schools' own staff are not offered: they fill only their school's 自查. One query."""
    from dudao.orgs.models import RoleAssignment
    from dudao.orgs.roles import PERMISSIONS, Role

    rows = (
        RoleAssignment.objects.filter(
            role__in=PERMISSIONS["inspection.fill"],
            unit__path__under=inspection.unit.path,
            unit__kind__in=(UnitKind.BUREAU, UnitKind.OFFICE, UnitKind.DISTRICT),
            unit__is_closed=False,
            user__is_active=True,
        )
        .select_related("user", "unit")
        .order_by("unit__path", "user__full_name", "user_id")
    )
    people: dict[int, tuple[User, str]] = {}
    for row in rows:
        if row.user_id not in people:
            label = f"{row.user.display_name}（{Role(row.role).label} · {row.unit.name}）"
            people[row.user_id] = (row.user, label)
    return list(people.values())


def my_share(user: User, inspection: Inspection) -> list[Target]:
    """The schools of this round given to the user's teams (分片包校), in the order of the round's list."""
    return list(
        targets_for(user).filter(inspection=inspection, team__members=user).order_by("school__path", "id").distinct()
    )


def next_in_share(share: Sequence[Target], after: Target | None = None) -> Target | None:
    """The next school of the share still to submit: after `after` in the list, else the first left."""
    left = [t for t in share if t.status != TargetStatus.SUBMITTED and (after is None or t.pk != after.pk)]
    if after is not None:
        later = [t for t in left if t.school.path > after.school.path]
        if later:
            return later[0]
    return left[0] if left else None
