"""Home items and menu entries of appraisal: objections waiting for a decision, the unit's own published result
(with its band) while objections are open, target books waiting to be signed."""

from __future__ import annotations

from django.urls import reverse

from dudao.accounts.models import User
from dudao.appraisal import selectors
from dudao.appraisal.models import Band, Result, SchemeStatus, TargetBookStatus
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("考评排位", "appraisal:schemes", permission="appraisal.read", order=70)
nav_item("目标责任书", "appraisal:books", permission="target.read", order=71)

_LEVEL = {Band.GREEN: "success", Band.YELLOW: "warning", Band.RED: "danger"}


@register("appraisal")
def appraisal_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None:
        return []
    items: list[HomeItem] = []
    if can(user, "appraisal.assess"):
        pending = selectors.pending_objections_to_decide(user).count()
        if pending:
            items.append(
                HomeItem(
                    title="待处理的考评申诉",
                    count=pending,
                    url=reverse("appraisal:objections") + "?status=pending",
                    kind="todo",
                    level="warning",
                    order=20,
                )
            )
    if can(user, "appraisal.object"):
        published = (
            Result.objects.filter(unit_id=acting.unit_id, scheme__status=SchemeStatus.PUBLISHED)
            .select_related("scheme")
            .order_by("-scheme__published_at")
            .first()
        )
        if published is not None and published.scheme.is_objection_open:
            items.append(
                HomeItem(
                    title=f"{published.scheme.name}：本单位得分",
                    count=int(published.total),
                    url=reverse("appraisal:result", args=[published.scheme_id, acting.unit_id]),
                    kind="todo",
                    level=_LEVEL[Band(published.band)],
                    hint=f"第 {published.rank} 名，申诉截止 {published.scheme.objection_until:%m月%d日}",
                    order=21,
                )
            )
    if can(user, "target.sign"):
        unsigned = selectors.books_for(user).filter(unit_id=acting.unit_id, status=TargetBookStatus.ISSUED).first()
        if unsigned is not None:
            items.append(
                HomeItem(
                    title="待签订的目标管理责任书",
                    count=1,
                    url=reverse("appraisal:book", args=[unsigned.pk]),
                    kind="todo",
                    level="warning",
                    order=22,
                )
            )
    return items
