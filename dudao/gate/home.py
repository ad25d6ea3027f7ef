"""Menu entries and the home card of the gate app: visitors still inside today at the acting school."""

from __future__ import annotations

from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.gate import selectors
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("门卫登记", "gate:today", permission=("visitor.register", "visitor.read"), order=63, group="safety")
nav_item("访客追踪", "gate:trace", permission="visitor.trace", order=64, group="safety")


@register("gate")
def gate_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "visitor.register"):
        return []
    school = selectors.school_of(acting.unit)
    if school is None:
        return []
    inside = selectors.inside_now(user, school)
    return [
        HomeItem(
            title="门卫登记：在校访客",
            count=inside,
            url=reverse("gate:today"),
            kind="info",
            level="warning" if inside else "secondary",
            hint="今天进校尚未登记离校的访客",
            order=8,
        )
    ]
