"""`for_user(user, action)`: the one way any queryset reaching a user is narrowed.

A user acts through one role assignment at a time (the "acting unit" in the header,
切换身份). The assignment's role must grant `<resource>.<action>`; the rows must lie in
the subtree of the assignment's unit. Anything else is simply not in the queryset, so a
view that looks an object up through it answers 404 for both missing and forbidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.contrib.auth.models import AnonymousUser
from django.db import models

from dudao.orgs.roles import allows

if TYPE_CHECKING:
    from dudao.accounts.models import User
    from dudao.orgs.models import RoleAssignment


def assignments_of(user: User | AnonymousUser) -> list[RoleAssignment]:
    """All of a user's assignments, cached on the user object for the request."""
    if isinstance(user, AnonymousUser) or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_dudao_assignments", None)
    if cached is None:
        from dudao.orgs.models import RoleAssignment

        cached = list(
            RoleAssignment.objects.filter(user=user, unit__is_closed=False).select_related("unit").order_by("id")
        )
        user._dudao_assignments = cached
    return cached


def acting_assignment(user: User | AnonymousUser) -> RoleAssignment | None:
    """The assignment the user acts through now: the one chosen, else the first."""
    assignments = assignments_of(user)
    if not assignments:
        return None
    chosen = getattr(user, "acting_assignment_id", None)
    for assignment in assignments:
        if assignment.pk == chosen:
            return assignment
    return assignments[0]


def can(user: User | AnonymousUser, permission: str, unit: Any | None = None) -> bool:
    """Whether the acting assignment grants `permission`, optionally on `unit`'s subtree."""
    assignment = acting_assignment(user)
    if assignment is None or not allows(assignment.role, permission):
        return False
    if unit is None:
        return True
    return bool(unit.path.startswith(assignment.unit.path))


def scope_root_path(user: User | AnonymousUser, permission: str) -> str | None:
    assignment = acting_assignment(user)
    if assignment is None or not allows(assignment.role, permission):
        return None
    return str(assignment.unit.path)


class ScopedQuerySetMixin:
    """Adds `for_user`. Subclasses name their resource and the path to the owning unit's path."""

    scope_resource: str
    scope_path: str

    def for_user(self, user: User | AnonymousUser, action: str = "read") -> Self:
        qs: models.QuerySet[Any] = self  # type: ignore[assignment]
        root = scope_root_path(user, f"{self.scope_resource}.{action}")
        if root is None:
            return qs.none()  # type: ignore[return-value]
        return qs.filter(**{f"{self.scope_path}__under": root})  # type: ignore[return-value]
