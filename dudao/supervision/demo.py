"""Demo data: the director's 督办单 to the first district about its overdue ledger items — one answered and waiting
to be closed, one past its deadline and escalated, one just issued about late reports —, a 约谈 of the district's
administrator over the overdue order and a 通报表扬 of the school that closed its items.

Everything goes through the services (numbers, facts, audit events); only the dates are then moved back so that
the orders agree with the demo clock (`context.today`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from dudao.accounts.models import User
from dudao.demo.registry import DemoContext, demo_step
from dudao.directives.models import Submission
from dudao.orgs.models import OrgUnit
from dudao.rectification.models import ItemStatus, RectificationItem
from dudao.supervision import services
from dudao.supervision.models import AccountabilityForm, OrderStep, StepKind, SupervisionOrder
from dudao.supervision.services.orders import CLOSING_HINT


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _backdate(order: SupervisionOrder, issued: dt.date, **steps: dt.date) -> None:
    """Move an order's dates back: issued on `issued`, each step kind on the given day."""
    SupervisionOrder.objects.filter(pk=order.pk).update(issued_at=_at(issued, 9))
    OrderStep.objects.filter(order=order, kind=StepKind.ISSUED).update(created_at=_at(issued, 9))
    for kind, day in steps.items():
        OrderStep.objects.filter(order=order, kind=kind).update(created_at=_at(day, 15))
        field = {"signed": "signed_at", "responded": "responded_at"}.get(kind)
        if field:
            SupervisionOrder.objects.filter(pk=order.pk).update(**{field: _at(day, 15)})


@demo_step(order=125)  # before the appraisal (130): its deduction items read the 问责 records
def supervision_demo(context: DemoContext) -> dict[str, int]:
    today = context.today
    director = User.objects.get(username="city.director")
    district_admin = User.objects.get(username="district.admin")
    root = OrgUnit.objects.get(pk=context.city.root)
    district = OrgUnit.objects.get(pk=context.city.districts[0])
    items = RectificationItem.objects.filter(school__path__under=district.path)
    overdue_total = items.overdue(today).count()
    overdue = list(items.overdue(today).select_related("school").order_by("due_date", "id")[:6])
    orders = []

    # 1. Answered: issued a week ago about three overdue items, signed and answered by the district.
    answered = services.issue_order(
        actor=director,
        issuer=root,
        target=district,
        subject=f"关于督促{district.name}加快整改逾期问题的督办",
        body=f"经查，你区督查发现的问题中有 {overdue_total} 项已超过整改时限仍未销号，"
        f"现将逾期时间最长的 3 项列出督办。{CLOSING_HINT}",
        deadline=today + dt.timedelta(days=3),
        facts=[("rectification_item", i.pk) for i in overdue[:3]],
    )
    services.sign_order(actor=district_admin, order=answered, version=None)
    services.respond_order(
        actor=district_admin,
        order=answered,
        text="收到督办单后，区教育局当天召开专题会议，逐校约谈分管校长，明确整改责任人和完成时限。"
        "目前所列问题中两项已完成整改并申请销号，一项因需采购材料，预计本周五前完成。",
        version=None,
    )
    _backdate(
        answered,
        today - dt.timedelta(days=7),
        signed=today - dt.timedelta(days=6),
        responded=today - dt.timedelta(days=1),
    )
    orders.append(answered)

    # 2. Overdue: issued ten days ago with a deadline three days ago, never answered; the daily job escalated it.
    late = services.issue_order(
        actor=director,
        issuer=root,
        target=district,
        subject=f"关于{district.name}问题整改长期逾期的督办",
        body=f"你区部分学校问题整改进度缓慢，已多次提醒仍未销号。{CLOSING_HINT}",
        deadline=today,
        facts=[("rectification_item", i.pk) for i in overdue[3:6]],
    )
    SupervisionOrder.objects.filter(pk=late.pk).update(deadline=today - dt.timedelta(days=3))
    _backdate(late, today - dt.timedelta(days=10))
    services.escalate_overdue(today=today)
    orders.append(late)

    # 3. Just issued: reports past their deadline in the district.
    late_reports = list(
        Submission.objects.filter(unit__path__under=district.path)
        .filter(Q(is_late=True) | Q(status="pending", period__deadline__lt=timezone.now()))
        .order_by("period__deadline", "id")
        .values_list("pk", flat=True)[:5]
    )
    if late_reports:
        orders.append(
            services.issue_order(
                actor=director,
                issuer=root,
                target=district,
                subject=f"关于督促{district.name}按时报送工作材料的督办",
                body=f"你区部分单位未按时报送市局部署的工作材料。{CLOSING_HINT}",
                deadline=today + dt.timedelta(days=5),
                facts=[("submission", pk) for pk in late_reports],
            )
        )

    # 4. 约谈 of the district's administrator over the unanswered order, one point off in the year's appraisal.
    talk = services.record_accountability(
        actor=director,
        form=AccountabilityForm.objects.get_or_create(name="约谈", defaults={"order": 10})[0],
        subject_unit=None,
        subject_person=district_admin,
        reason=f"{late.number}督办事项超过办结时限仍未反馈，整改工作推进不力。",
        decided_by=director,
        decided_on=today - dt.timedelta(days=1),
        deduction=Decimal("1"),
        evidence=[("supervision_order", late.pk)],
    )

    # 5. 通报表扬 of the district's school with the most items closed and none overdue.
    behind = set(items.overdue(today).values_list("school", flat=True))
    closed_per_school = (
        items.filter(status=ItemStatus.CLOSED).values("school").annotate(n=Count("id")).order_by("-n", "school")
    )
    best_id = next((row["school"] for row in closed_per_school if row["school"] not in behind), None)
    praised = 0
    if best_id is not None:
        best = OrgUnit.objects.get(pk=best_id)
        closed = items.filter(school=best, status=ItemStatus.CLOSED).order_by("id").values_list("pk", flat=True)[:3]
        services.record_commendation(
            actor=director,
            title="文明校园创建问题整改及时到位",
            subject_unit=best,
            reason="“回头看”发现的问题全部按时整改销号，整改资料完整规范。",
            decided_by=director,
            decided_on=today - dt.timedelta(days=1),
            bonus=Decimal("1"),
            evidence=[("rectification_item", pk) for pk in closed],
        )
        praised = 1
    return {"supervision_orders": len(orders), "accountability_records": 1 if talk else 0, "commendations": praised}
