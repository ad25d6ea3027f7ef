"""Menu entry and home items: a school sees its own 三防 card when it is not green; a district bureau the number
of its schools whose card is not green; everyone with `guard.read` the 保安员证 expired or expiring."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.guards import selectors
from dudao.guards.rules import GREEN, RED
from dudao.orgs.models import RoleAssignment, UnitKind
from dudao.orgs.scoping import can

nav_item("校园安保与三防", "guards:index", permission="guard.read", order=66, group="safety")


@register("guards")
def guards_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "guard.read"):
        return []
    today = timezone.localdate()
    unit = acting.unit
    items: list[HomeItem] = []
    if unit.kind == UnitKind.SCHOOL:
        card = selectors.card_of(unit, today).card
        if card.level != GREEN:
            items.append(
                HomeItem(
                    title=f"本校三防卡：{card.label}",
                    count=len(card.reasons),
                    url=reverse("guards:school", args=[unit.pk]),
                    kind="todo",
                    level="danger" if card.level == RED else "warning",
                    hint="；".join(card.reasons[:2]),
                    order=11,
                )
            )
    elif unit.kind == UnitKind.DISTRICT:
        cards = selectors.cards_of(list(selectors.schools_for(user, unit)), today)
        flagged = selectors.not_green(cards)
        if flagged:
            red = sum(1 for c in flagged if c.card.level == RED)
            items.append(
                HomeItem(
                    title="三防卡未达绿色的学校",
                    count=len(flagged),
                    url=reverse("guards:index"),
                    kind="todo",
                    level="danger" if red else "warning",
                    hint=f"其中不达标 {red} 所",
                    order=11,
                )
            )
    expiring = selectors.expiring_licences(selectors.guards_for(user), today).count()
    if expiring:
        items.append(
            HomeItem(
                title="保安员证已过期或 30 天内到期",
                count=expiring,
                url=reverse("guards:index") + "#licences"
                if unit.kind != UnitKind.SCHOOL
                else reverse("guards:school", args=[unit.pk]) + "#guards",
                kind="todo",
                level="warning",
                order=12,
            )
        )
    return items
