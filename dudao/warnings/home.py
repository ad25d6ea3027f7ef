"""Menu entry and home item of the warnings app: warnings entered but not yet dispatched."""

from __future__ import annotations

from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can
from dudao.warnings import selectors
from dudao.warnings.models import WarningStatus

nav_item("气象预警", "warnings:index", permission="warning.read", order=62, group="safety")


@register("warnings")
def warnings_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "warning.change"):
        return []
    waiting = selectors.warnings_for(user).filter(status=WarningStatus.DRAFT).count()
    if not waiting:
        return []
    return [
        HomeItem(
            title="气象预警待核对下发",
            count=waiting,
            url=reverse("warnings:index"),
            kind="todo",
            level="danger",
            order=5,
        )
    ]
