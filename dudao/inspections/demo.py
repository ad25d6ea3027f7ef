"""Demo inspections and ledger: two frameworks, a finished field round and its 回头看 with items at every stage,
a planned mock round, an unannounced sweep, a school self-check and a published bulletin.

Built through the real services (so the audit trail reads like real work), then dated back so the ledger,
日结日清 and the burn-down look like a campaign under way.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone
from PIL import Image, ImageDraw

from dudao.accounts.models import User
from dudao.core.files import open_stored
from dudao.demo.registry import DemoContext, demo_step
from dudao.inspections import frameworks, services
from dudao.inspections.models import (
    Finding,
    Framework,
    Indicator,
    Inspection,
    InspectionKind,
    Result,
    ScoringMethod,
    Target,
)
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind

M = ScoringMethod
# (section, code, text, method, max, per-occurrence, weight, photo, serious, school types)
CIVILISED_CAMPUS: list[tuple[Any, ...]] = [
    ("校园环境", "1.1", "校园设施完好，无破损、无安全隐患", M.PASS_FAIL, 1, 0, 3, True, False, []),
    ("校园环境", "1.2", "机动车、非机动车停放有序，无乱停乱放", M.DEDUCT, 6, 2, 2, True, False, []),
    ("校园环境", "1.3", "厕所干净整洁、无异味，洗手设施完好", M.SCALE, 5, 0, 2, True, False, []),
    ("校园环境", "1.4", "校园角落无垃圾杂物、无卫生死角", M.DEDUCT, 4, 1, 2, True, False, []),
    ("校园环境", "1.5", "学校周边环境整洁，无占道经营、无违规网吧", M.PASS_FAIL, 1, 0, 2, False, True, []),
    ("宣传氛围", "2.1", "社会主义核心价值观在醒目位置展示", M.PASS_FAIL, 1, 0, 3, True, False, []),
    (
        "宣传氛围",
        "2.2",
        "《中小学生守则》张贴上墙",
        M.PASS_FAIL,
        1,
        0,
        2,
        True,
        False,
        ["primary", "junior", "nine_year", "senior", "complete"],
    ),
    ("宣传氛围", "2.3", "公益广告固定牢靠，无破损、褪色", M.PASS_FAIL, 1, 0, 1, True, False, []),
    ("宣传氛围", "2.4", "食堂餐桌摆放公筷公勺及文明用餐桌牌", M.PASS_FAIL, 1, 0, 2, True, False, []),
    ("管理档案", "3.1", "创建工作档案齐全、分类规范", M.SCALE, 10, 0, 1, False, False, []),
    ("管理档案", "3.2", "未成年人思想道德建设活动有方案、有记录", M.PASS_FAIL, 1, 0, 1, False, False, []),
    ("管理档案", "3.3", "师生对创建工作知晓率达到 90% 以上", M.PASS_FAIL, 1, 0, 1, False, False, []),
]
CAMPUS_SAFETY: list[tuple[Any, ...]] = [
    ("防汛", "1.1", "排水沟渠畅通，低洼处备有沙袋、抽水泵等防汛物资", M.PASS_FAIL, 1, 0, 2, True, True, []),
    ("防汛", "1.2", "围墙、挡土墙无开裂、无倾斜", M.PASS_FAIL, 1, 0, 2, True, True, []),
    ("建筑安全", "2.1", "外墙瓷砖、门窗、空调外机固定牢靠", M.DEDUCT, 4, 1, 2, True, True, []),
    ("建筑安全", "2.2", "楼梯、栏杆高度符合要求，无松动", M.PASS_FAIL, 1, 0, 2, True, True, []),
    ("用电与消防", "3.1", "无私拉乱接电线，配电房上锁", M.DEDUCT, 4, 1, 2, True, True, []),
    ("用电与消防", "3.2", "灭火器在有效期内，消防通道畅通", M.PASS_FAIL, 1, 0, 3, True, True, []),
    ("食品安全", "4.1", "食堂证照齐全，从业人员持健康证上岗", M.PASS_FAIL, 1, 0, 2, False, True, []),
    ("食品安全", "4.2", "食品留样 48 小时且记录完整", M.PASS_FAIL, 1, 0, 2, False, False, []),
    ("防溺水", "5.1", "周边水域警示牌、救生设施齐全", M.PASS_FAIL, 1, 0, 3, True, True, []),
    ("防溺水", "5.2", "防溺水安全教育有记录，家长告知书回收齐全", M.PASS_FAIL, 1, 0, 1, False, False, []),
]


def _make_framework(actor: User, root: OrgUnit, name: str, description: str, rows: list[tuple[Any, ...]]) -> Framework:
    framework = frameworks.create_framework(actor=actor, unit=root, name=name, description=description)
    for section, code, text, method, full, per, weight, photo, serious, types in rows:
        frameworks.save_indicator(
            actor=actor,
            framework=framework,
            data=frameworks.IndicatorInput(
                section=section,
                code=code,
                text=text,
                method=method,
                max_score=Decimal(full),
                deduct_per=Decimal(per),
                weight=Decimal(weight),
                evidence_required=photo,
                severity="serious" if serious else "general",
                school_types=tuple(types),
            ),
        )
    return framework


def _photo(rng: random.Random, label: str) -> io.BytesIO:
    """A small synthetic scene photo: random shapes, so each one has its own perceptual hash."""
    image = Image.new("RGB", (640, 480), (rng.randint(150, 230), rng.randint(150, 230), rng.randint(150, 230)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randint(0, 600), rng.randint(0, 440)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.rectangle((x, y, x + rng.randint(20, 200), y + rng.randint(20, 160)), fill=colour)
    draw.text((10, 10), label, fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    out.seek(0)
    return out


class _Clock:
    """Dates the demo back: `at(-10, 9)` is ten days ago at 09:00 local time."""

    def __init__(self, today: dt.date) -> None:
        self.today = today

    def at(self, days: int, hour: int = 10) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.today + dt.timedelta(days=days), dt.time(hour, 0)))


def _staff(school: OrgUnit, role: str) -> User:
    """A person who can own an item: 德育主任 (school_staff), a class teacher or the school doctor."""
    assignment = (
        RoleAssignment.objects.filter(unit__path__under=school.path, role=role, user__is_demo=False)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    assert assignment is not None, f"demo school {school.name} has no {role}"
    return assignment.user


def _shift_back(items: Any, days: int) -> None:
    """Items dated back by `days` keep their deadlines relative to when they were found."""
    from django.db.models import F

    shift = dt.timedelta(days=days)
    items.update(due_date=F("due_date") - shift, due_limit=F("due_limit") - shift)
    Finding.objects.filter(item__in=items).update(due_limit=F("due_limit") - shift)


def _date_last_step(item: Any, when: dt.datetime) -> None:
    from dudao.rectification.models import Step

    last = Step.objects.filter(item=item).order_by("-pk").values("pk")[:1]
    Step.objects.filter(pk__in=last).update(created_at=when)


def _principal(school: OrgUnit) -> User:
    assignment = (
        RoleAssignment.objects.filter(unit=school, role="principal").select_related("user").order_by("pk").first()
    )
    assert assignment is not None
    return assignment.user


def _fill(actor: User, target: Target, rng: random.Random, fails: set[str], photo_rng: random.Random) -> None:
    """Answer every indicator; those in `fails` (by code) fail, with a photo where evidence is required."""
    indicators, answers = services.checklist(target)
    for indicator in indicators:
        failed = indicator.code in fails
        kwargs: dict[str, Any] = {"result": Result.FAIL if failed else Result.PASS}
        if indicator.method == ScoringMethod.DEDUCT and failed:
            kwargs["occurrences"] = rng.randint(1, 2)
        if indicator.method == ScoringMethod.SCALE:
            kwargs["value"] = (
                (indicator.max_score * Decimal("0.6")).quantize(Decimal("1")) if failed else indicator.max_score
            )
        notes = {
            "1.1": "教学楼二楼走廊扶手松动",
            "1.2": "校门口电动车乱停放",
            "1.3": "男厕所有异味，洗手池龙头损坏",
            "1.4": "操场东北角堆放建筑垃圾",
            "2.1": "核心价值观展板被树木遮挡",
            "2.4": "食堂未摆放公筷公勺桌牌",
            "2.3": "围墙公益广告褪色破损",
            "3.1": "档案未按类别装盒",
        }
        if failed:
            kwargs["note"] = notes.get(indicator.code, "")
            if indicator.evidence_required:
                services.add_photo(
                    actor=actor,
                    target=target,
                    indicator_id=indicator.pk,
                    upload=_photo(photo_rng, f"{target.school.short_name or target.school.name} {indicator.code}"),
                    name=f"现场-{indicator.code}.jpg",
                    latitude=30.27 + photo_rng.random() / 100,
                    longitude=120.15 + photo_rng.random() / 100,
                )
        services.save_answer(actor=actor, target=target, indicator_id=indicator.pk, **kwargs)


@demo_step(order=40)
def inspections_demo(context: DemoContext) -> dict[str, int]:
    from dudao.dashboard import services as bulletins
    from dudao.rectification import services as ledger
    from dudao.rectification.models import ItemPhoto, RectificationItem, Step

    rng = random.Random(context.seed + 4)  # noqa: S311 (deterministic demo data)
    photo_rng = random.Random(context.seed + 5)  # noqa: S311
    clock = _Clock(context.today)
    today = context.today
    root = OrgUnit.objects.get(pk=context.city.root)
    district = OrgUnit.objects.get(pk=context.city.districts[0])
    first_school = OrgUnit.objects.get(pk=context.city.first_school)
    admin = User.objects.get(username="city.admin")
    inspector = User.objects.get(username="city.inspector")
    district_admin = User.objects.get(username="district.admin")
    principal = User.objects.get(username="school.principal")

    civilised = _make_framework(
        admin,
        root,
        "文明校园测评",
        "依据全国文明城市测评体系（未成年人思想道德建设部分）和本市应知应会清单",
        CIVILISED_CAMPUS,
    )
    safety = _make_framework(admin, root, "校园安全隐患排查", "汛期及秋冬季校园安全隐患排查整治", CAMPUS_SAFETY)
    schools = list(
        OrgUnit.objects.filter(kind=UnitKind.SCHOOL, path__under=district.path, is_closed=False)
        .exclude(school_type="kindergarten")
        .order_by("path")[:8]
    )
    if first_school not in schools:
        schools = [first_school, *schools[:7]]
    version = frameworks.current_version(civilised)

    # 1. The field assessment five weeks ago: several problems per school.
    field = services.plan_inspection(
        actor=inspector,
        unit=root,
        name=f"{today.year}年秋季文明校园实地测评",
        kind=InspectionKind.FIELD,
        framework_version=version,
        schools=schools,
        starts_on=today - dt.timedelta(days=38),
        ends_on=today - dt.timedelta(days=35),
    )
    services.create_team(
        actor=inspector, inspection=field, name="第一督查组", members=[inspector], targets=list(field.targets.all())
    )
    codes = [row[1] for row in CIVILISED_CAMPUS]
    for target in field.targets.select_related("inspection", "school").order_by("school__path"):
        fails = set(rng.sample(codes, rng.choice([0, 1, 1, 2, 2, 3])))
        if target.school_id == first_school.pk:
            fails |= {"1.2", "1.3", "2.4", "1.4"}
        _fill(inspector, target, rng, fails, photo_rng)
        services.submit_target(actor=inspector, target=target)
    _shift_back(RectificationItem.objects.filter(inspection=field), 36)
    RectificationItem.objects.filter(inspection=field).update(created_at=clock.at(-36))
    # Most field findings were fixed and closed; a few are still open and go to the revisit.
    field_items = list(RectificationItem.objects.filter(inspection=field).select_related("school").order_by("pk"))
    for index, item in enumerate(field_items):
        owner = _staff(item.school, rng.choice(["school_staff", "class_teacher", "doctor"]))
        head = _principal(item.school)
        item = ledger.assign(
            actor=head,
            item=item,
            owner=owner,
            responsibility="立即组织整改，落实专人负责",
            due_date=item.due_date,
            version=None,
        )
        if index % 3 != 0:
            item = ledger.record_progress(
                actor=owner, item=item, progress=60, text="已安排施工，正在整改", version=None
            )
            item = ledger.request_closeout(
                actor=owner,
                item=item,
                text="已整改到位",
                photos=[(_photo(photo_rng, "整改后"), "整改后.jpg")],
                version=None,
            )
            item = ledger.verify_closeout(actor=district_admin, item=item, text="现场核实，已整改到位", version=None)
    RectificationItem.objects.filter(inspection=field, closed_at__isnull=False).update(closed_at=clock.at(-30))
    Step.objects.filter(item__inspection=field).update(created_at=clock.at(-33))
    Inspection.objects.filter(pk=field.pk).update(created_at=clock.at(-40))
    field = services.publish_results(actor=inspector, inspection=field)
    bulletin = bulletins.generate_bulletin(actor=inspector, inspection=field, threshold=3)
    bulletins.publish_bulletin(actor=inspector, bulletin=bulletin, version=None)

    # 2. The 回头看 ten days ago: re-checks the open field findings and finds new ones.
    revisit = services.plan_inspection(
        actor=inspector,
        unit=root,
        name="文明校园创建问题整改“回头看”",
        kind=InspectionKind.REVISIT,
        framework_version=version,
        schools=schools,
        starts_on=today - dt.timedelta(days=10),
        ends_on=today - dt.timedelta(days=9),
        assessment_on=today + dt.timedelta(days=21),
        previous=field,
    )
    services.create_team(
        actor=inspector,
        inspection=revisit,
        name="回头看督查组",
        members=[inspector],
        targets=list(revisit.targets.all()),
    )
    for number, target in enumerate(revisit.targets.select_related("inspection", "school").order_by("school__path")):
        fails = set(rng.sample(codes, rng.randint(0, 3)))
        if target.school_id == first_school.pk:
            fails |= {"1.1", "2.1", "2.3", "3.1"}
        if number % 2:
            # Some earlier problems are still not fixed.
            fails |= {a.indicator.code for a in target.answers.select_related("indicator") if a.previous_finding_id}
        _fill(inspector, target, rng, fails, photo_rng)
        services.submit_target(actor=inspector, target=target)
    _shift_back(RectificationItem.objects.filter(inspection=revisit), 9)
    items = list(
        RectificationItem.objects.filter(inspection=revisit).select_related("school").order_by("school__path", "pk")
    )
    RectificationItem.objects.filter(inspection=revisit).update(created_at=clock.at(-9, 16))
    Step.objects.filter(item__inspection=revisit).update(created_at=clock.at(-9, 16))
    stages = ["open", "progress", "awaiting", "rejected", "closed", "overdue"]
    per_school: dict[int, int] = {}
    faked = False
    for item in items:
        position = per_school.get(item.school_id, 0)
        per_school[item.school_id] = position + 1
        offset = 0 if item.school_id == first_school.pk else item.school_id
        stage = stages[(position + offset) % len(stages)]
        if stage == "open":
            continue
        head = principal if item.school_id == first_school.pk else _principal(item.school)
        owner = _staff(item.school, ["school_staff", "class_teacher", "doctor"][position % 3])
        # The latest date the inspector allowed; a serious problem's limit (7 days) found nine days ago has passed,
        # and then the date the school was given stays (a past date cannot be set today).
        due = item.due_limit if item.due_limit >= today else item.due_date
        if stage == "overdue":
            # A date set days ago that has since passed (a principal cannot set a past date today).
            due = today - dt.timedelta(days=2 + position % 4)
            RectificationItem.objects.filter(pk=item.pk).update(due_limit=due, due_date=due)
            item.refresh_from_db()
        item = ledger.assign(
            actor=head,
            item=item,
            owner=owner,
            responsibility="制定整改方案，倒排工期，按期完成",
            due_date=due,
            version=None,
        )
        _date_last_step(item, clock.at(-8, 9))
        progress = rng.choice([20, 40, 50])
        item = ledger.record_progress(
            actor=owner, item=item, progress=progress, text="已采购材料，正在整改", version=None
        )
        _date_last_step(item, clock.at(-5, 15))
        if stage in ("awaiting", "rejected", "closed"):
            before = item.finding.photos.first()
            if stage == "awaiting" and before is not None and not faked:
                # A faked fix: the "after" photo is the "before" one; the verifier is warned.
                with open_stored(before) as handle:
                    upload = io.BytesIO(handle.read())
                faked = True
            else:
                upload = _photo(photo_rng, "整改后")
            item = ledger.request_closeout(
                actor=owner, item=item, text="已按要求整改完毕，请验收", photos=[(upload, "整改后.jpg")], version=None
            )
            _date_last_step(item, clock.at(-2, 11))
        if stage in ("rejected", "closed"):
            item = ledger.reject_closeout(
                actor=district_admin, item=item, reason="整改不彻底，照片未反映全貌，请补充整改", version=None
            )
            _date_last_step(item, clock.at(-1, 10))
        if stage == "closed":
            item = ledger.request_closeout(
                actor=owner,
                item=item,
                text="已补充整改，附全景照片",
                photos=[(_photo(photo_rng, "补充整改"), "补充.jpg")],
                version=None,
            )
            item = ledger.verify_closeout(actor=district_admin, item=item, text="复核通过，予以销号", version=None)
            RectificationItem.objects.filter(pk=item.pk).update(closed_at=clock.at(-1, 16))
    # Two problems found today; one of them fixed on the spot (日结日清).
    todays = list(Target.objects.filter(inspection=revisit, school=first_school).select_related("inspection", "school"))
    for target in todays:
        found = services.add_finding(
            actor=inspector, target=target, category="校园环境", description="校门口减速带破损", severity="serious"
        )
        services.add_finding(actor=inspector, target=target, category="宣传氛围", description="宣传栏玻璃破裂")
        quick = found.item
        owner = _staff(first_school, "school_staff")
        quick = ledger.assign(
            actor=principal, item=quick, owner=owner, responsibility="当日更换减速带", due_date=today, version=None
        )
        quick = ledger.request_closeout(
            actor=owner,
            item=quick,
            text="已当日更换",
            photos=[(_photo(photo_rng, "减速带"), "减速带.jpg")],
            version=None,
        )
        quick = ledger.verify_closeout(actor=district_admin, item=quick, text="现场查看，已更换", version=None)
    Inspection.objects.filter(pk=revisit.pk).update(created_at=clock.at(-12))
    ledger.create_posting(actor=principal, school=first_school)
    ledger.send_reminders(today=today)

    # 3. The mock run before the real assessment, planned.
    services.plan_inspection(
        actor=inspector,
        unit=root,
        name="创建全国文明城市迎检模拟测评",
        kind=InspectionKind.MOCK,
        framework_version=version,
        schools=schools,
        starts_on=today + dt.timedelta(days=6),
        ends_on=today + dt.timedelta(days=8),
        assessment_on=today + dt.timedelta(days=21),
    )
    # 4. An unannounced safety sweep: invisible to the schools until its results are published.
    safety_version = frameworks.current_version(safety)
    services.plan_inspection(
        actor=inspector,
        unit=root,
        name="冬季校园安全暗访",
        kind=InspectionKind.UNANNOUNCED,
        framework_version=safety_version,
        schools=schools[2:5],
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
    )
    # 5. Every school of the district checks itself against the safety list.
    district_schools = list(OrgUnit.objects.filter(kind=UnitKind.SCHOOL, path__under=district.path, is_closed=False))
    services.plan_inspection(
        actor=district_admin,
        unit=district,
        name="冬季校园安全隐患自查",
        kind=InspectionKind.SELF,
        framework_version=safety_version,
        schools=district_schools,
        starts_on=today - dt.timedelta(days=2),
        ends_on=today + dt.timedelta(days=5),
    )
    return {
        "frameworks": Framework.objects.count(),
        "indicators": Indicator.objects.count(),
        "inspections": Inspection.objects.count(),
        "rectification_items": RectificationItem.objects.count(),
        "photos": ItemPhoto.objects.count(),
    }
