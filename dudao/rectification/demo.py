"""Demo ledger items beyond inspections: problems of district bureaus and an office from 巡视/审计 feedback,
complaints and a 督办单, and schools' own 自查 problems closed in school, some drawn for the district's check.

A fixed handful of items whatever the scale (the inspections demo fills the ledger in bulk), so the step costs
the same for the small and the city demo. Which 自查 close-outs were drawn is chosen here, not by the keyed draw
(`services.is_drawn_for_recheck` depends on SECRET_KEY): every demo city shows the queue the same way."""

from __future__ import annotations

import datetime as dt
import io
import random

from django.utils import timezone
from PIL import Image, ImageDraw

from dudao.accounts.models import User
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, RoleAssignment
from dudao.rectification import problems, rechecks, services
from dudao.rectification.models import ItemSource, RecheckStatus, RectificationItem, Step, StepKind
from dudao.rectification.selectors import owner_candidates


def _photo(rng: random.Random, label: str) -> tuple[io.BytesIO, str]:
    image = Image.new("RGB", (640, 480), (rng.randint(150, 230), rng.randint(150, 230), rng.randint(150, 230)))
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x, y = rng.randint(0, 600), rng.randint(0, 440)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.rectangle((x, y, x + rng.randint(20, 200), y + rng.randint(20, 160)), fill=colour)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    out.seek(0)
    return out, f"{label}.jpg"


def _holder(unit: OrgUnit, role: str) -> User:
    assignment = RoleAssignment.objects.filter(unit=unit, role=role).select_related("user").order_by("pk").first()
    assert assignment is not None, f"demo unit {unit.name} has no {role}"
    return assignment.user


def _dated(item: RectificationItem, days_ago: int) -> None:
    """Found `days_ago` days before the demo's today (its steps with it, in order)."""
    now = timezone.now()
    when = now - dt.timedelta(days=days_ago)
    RectificationItem.objects.filter(pk=item.pk).update(created_at=when)
    steps = list(item.steps.order_by("pk").values_list("pk", flat=True))
    gap = (now - when) / (len(steps) + 1)
    for offset, step in enumerate(steps):
        Step.objects.filter(pk=step).update(created_at=when + gap * offset)
    # The item's own timestamps agree with its trail.
    times = dict(item.steps.values_list("kind", "created_at").order_by("pk"))
    RectificationItem.objects.filter(pk=item.pk, closed_at__isnull=False).update(closed_at=times.get(StepKind.VERIFIED))
    RectificationItem.objects.filter(pk=item.pk, closeout_requested_at__isnull=False).update(
        closeout_requested_at=times.get(StepKind.CLOSEOUT_REQUESTED)
    )
    RectificationItem.objects.filter(pk=item.pk, recheck_at__isnull=False).update(
        recheck_at=times.get(StepKind.RECHECK_CONFIRMED)
    )


@demo_step(order=45)
def rectification_demo(context: DemoContext) -> dict[str, int]:
    rng = random.Random(context.seed + 45)  # noqa: S311 (deterministic demo data)
    today = context.today
    admin = User.objects.get(username="city.admin")
    inspector = User.objects.get(username="city.inspector")
    district = OrgUnit.objects.get(pk=context.city.districts[0])
    other_district = OrgUnit.objects.get(pk=context.city.districts[-1])
    district_admin = User.objects.get(username="district.admin")
    first_school = OrgUnit.objects.get(pk=context.city.first_school)
    principal = User.objects.get(username="school.principal")
    teacher = User.objects.get(username="school.teacher")
    finance = OrgUnit.objects.get(pk=context.city.offices["计划财务科"])
    made: list[RectificationItem] = []

    def raise_(
        unit: OrgUnit, source: str, ref: str, category: str, text: str, days: int, actor: User = admin
    ) -> RectificationItem:
        item = problems.raise_problem(
            actor=actor,
            unit=unit,
            source=source,
            source_ref=ref,
            category=category,
            description=text,
            severity="serious" if source in (ItemSource.PATROL, ItemSource.AUDIT) else "general",
            due_limit=today + dt.timedelta(days=days),
            photos=[_photo(rng, "问题")] if source == ItemSource.SELF_CHECK else (),
        )
        made.append(item)
        return item

    def four(item: RectificationItem, actor: User, owner: User, duty: str, days: int) -> RectificationItem:
        return services.assign(
            actor=actor,
            item=item,
            owner=owner,
            responsibility=duty,
            due_date=today + dt.timedelta(days=days),
            version=None,
        )

    def done(item: RectificationItem, owner: User, text: str) -> RectificationItem:
        return services.request_closeout(
            actor=owner, item=item, text=text, photos=[_photo(rng, "整改后")], version=None
        )

    # A district bureau's own problems: 巡视反馈 waiting for the bureau's verification, 审计反馈 in progress.
    patrol = raise_(
        district,
        ItemSource.PATROL,
        "市委第二巡察组反馈意见第 3 条",
        "校外培训监管",
        "校外培训机构监管台账不健全，年检结果未按时公示",
        40,
    )
    patrol = four(patrol, district_admin, district_admin, "逐一核对机构台账，年检结果在区教育局网站公示", 20)
    done(patrol, district_admin, "已完成 46 家机构台账核对，年检结果已于区教育局网站公示")
    audit = raise_(
        district,
        ItemSource.AUDIT,
        "区审计局审计报告第 5 项",
        "资金管理",
        "学生资助资金发放不及时，个别学校滞留超过两个月",
        30,
    )
    audit = four(audit, district_admin, district_admin, "督促相关学校限期发放，建立资助资金月报制度", 25)
    services.record_progress(
        actor=district_admin, item=audit, progress=50, text="已督促 3 所学校完成发放", version=None
    )
    # A 督办单 to another district, already closed by the bureau.
    order = raise_(
        other_district,
        ItemSource.ORDER,
        "督办〔2026〕7 号",
        "校园安全",
        "汛期校舍安全排查整改未按期报送",
        15,
    )
    order_head = _holder(other_district, "district_admin")
    order = four(order, order_head, order_head, "组织排查并报送整改台账", 10)
    order = done(order, order_head, "已完成排查，整改台账已报送")
    services.verify_closeout(actor=admin, item=order, text="材料齐全，予以销号", version=None)
    # An office's problem from the bureau's own audit.
    office_head = owner_candidates(finance).first()
    if office_head is not None:
        contract = raise_(
            finance,
            ItemSource.AUDIT,
            "市审计局审计报告（2026）第 12 号",
            "政府采购",
            "部分政府采购合同未在规定时限内备案",
            30,
            actor=inspector,
        )
        four(contract, office_head, office_head, "补齐备案，建立合同备案登记簿", 20)
    # A complaint against a school, waiting for 四定.
    raise_(
        first_school,
        ItemSource.COMPLAINT,
        "12345 热线工单 20261126-0413",
        "食堂管理",
        "家长反映食堂午餐分量不足",
        10,
        actor=district_admin,
    )

    # The school's own 自查: open, in progress, and four closed in school (two of them drawn for the district).
    self_checks = [
        ("消防安全", "实验楼二楼灭火器压力不足", "更换 4 具灭火器"),
        ("食品安全", "食堂留样记录缺 11 月 12 日晚餐", "补齐留样制度培训，专人每日检查"),
        ("校园环境", "操场东侧围栏油漆剥落", "重新刷漆"),
        ("宿舍管理", "男生宿舍 3 楼应急灯不亮", "更换应急灯"),
        ("教学管理", "课后服务签到表缺家长签字", "完善签到表"),
        ("卫生防疫", "教室通风记录不全", "班主任每日登记通风"),
    ]
    closed: list[RectificationItem] = []
    for number, (category, text, duty) in enumerate(self_checks):
        item = raise_(first_school, ItemSource.SELF_CHECK, "本学期安全自查", category, text, 21, actor=principal)
        if number == 0:
            continue
        item = four(item, principal, teacher, duty, 14)
        if number == 1:
            services.record_progress(actor=teacher, item=item, progress=40, text="已完成培训", version=None)
            continue
        item = done(item, teacher, "已整改到位")
        closed.append(services.verify_closeout(actor=principal, item=item, text="校内核实已整改", version=None))
    drawn = closed[:2]
    RectificationItem.objects.filter(pk__in=[i.pk for i in closed]).update(recheck_status=RecheckStatus.NONE)
    RectificationItem.objects.filter(pk__in=[i.pk for i in drawn]).update(recheck_status=RecheckStatus.PENDING)
    for item in closed:
        note = "校内验收：校内核实已整改" + ("（已抽中，待区县复核）" if item in drawn else "")
        Step.objects.filter(item=item, kind=StepKind.VERIFIED).update(text=note)
    # The district has decided one earlier draw: confirmed.
    confirmed = RectificationItem.objects.get(pk=closed[2].pk)
    RectificationItem.objects.filter(pk=confirmed.pk).update(recheck_status=RecheckStatus.PENDING)
    confirmed.refresh_from_db()
    rechecks.confirm_recheck(actor=district_admin, item=confirmed, text="抽查现场，围栏已重新刷漆", version=None)

    for days_ago, item in zip([12, 9, 20, 7, 3, 14, 13, 11, 10, 8, 6], made, strict=False):
        _dated(item, days_ago)
    return {"ledger_any_unit_items": len(made), "ledger_rechecks_pending": len(drawn)}
