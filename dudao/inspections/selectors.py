"""Reads for inspections, scoped to the acting role. Unannounced rounds stay hidden from schools until published."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from dudao.inspections.models import Finding, Framework, Inspection, InspectionKind, InspectionStatus, Target
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import scope_root_path


def _ancestor_paths(path: str) -> list[str]:
    return [path[:i] for i in range(OrgUnit.steplen, len(path) + 1, OrgUnit.steplen)]


def frameworks_for(user: Any, action: str = "read") -> QuerySet[Framework]:
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


def rounds_for(user: Any, action: str = "read") -> QuerySet[Inspection]:
    """Rounds organised inside the scope, and (for read) rounds that inspect schools inside it."""
    root = scope_root_path(user, f"inspection.{action}")
    if root is None:
        return Inspection.objects.none()
    if action != "read":
        return Inspection.objects.filter(unit__path__under=root)
    targeted = Target.objects.filter(school__path__under=root).values("inspection_id")
    return Inspection.objects.filter(Q(unit__path__under=root) | Q(pk__in=targeted)).exclude(_hidden(root))


def targets_for(user: Any, action: str = "read") -> QuerySet[Target]:
    root = scope_root_path(user, f"inspection.{action}")
    if root is None:
        return Target.objects.none()
    return (
        Target.objects.filter(school__path__under=root)
        .exclude(_hidden(root, "inspection__"))
        .select_related("inspection", "school", "team")
    )


def findings_for(user: Any) -> QuerySet[Finding]:
    root = scope_root_path(user, "inspection.read")
    if root is None:
        return Finding.objects.none()
    hidden = Q(inspection__isnull=False) & _hidden(root, "inspection__")
    return Finding.objects.filter(school__path__under=root).exclude(hidden).select_related("school", "inspection")
