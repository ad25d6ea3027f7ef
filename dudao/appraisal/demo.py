"""Demo appraisal: the city's 2026年度 appraisal of the district bureaus (published, with last year's ranking to
compare with) and the first district's appraisal of its schools (published, one objection pending from the demo
school), and the year's 目标管理责任书 for both."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from dudao.accounts.models import User
from dudao.appraisal import services
from dudao.appraisal.models import (
    AppraisalScheme,
    Band,
    ItemKind,
    ManualScore,
    Result,
    SchemeStatus,
    Target,
    TargetBook,
    TargetBookStatus,
)
from dudao.appraisal.services import ItemIn, SchemeIn, TargetIn
from dudao.appraisal.services.computing import rank
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, UnitKind

DISTRICT_ITEMS = [
    ItemIn("按时报送", ItemKind.LIVE, 15, "directives.on_time_rate", "linear", 50, 100),
    ItemIn("问题整改销号", ItemKind.LIVE, 15, "rectification.close_rate", "linear", 20, 100),
    ItemIn(
        "家长告知书知晓率", ItemKind.LIVE, 15, "notices.awareness_rate", "banded", bands="95:100, 90:80, 80:60, 60:30"
    ),
    ItemIn("应急演练覆盖", ItemKind.LIVE, 10, "duty.drill_coverage", "linear", 50, 100),
    ItemIn("家访覆盖", ItemKind.LIVE, 10, "cases.visit_coverage", "linear", 20, 80),
    ItemIn("督查测评得分", ItemKind.LIVE, 10, "inspections.latest_score", "linear", 60, 95),
    ItemIn("目标管理责任书完成情况", ItemKind.TARGETS, 10),
    ItemIn(
        "重点工作实绩",
        ItemKind.MANUAL,
        10,
        criteria="创城迎检、控辍保学、平安校园等重点工作的推进和成效，由督导室对照年度工作要点评分。",
    ),
    ItemIn("问责扣分", ItemKind.DEDUCTION, 5, source_code="supervision.accountability"),
    ItemIn("一票否决事项", ItemKind.VETO, criteria="瞒报疫情、发生造成人员伤亡的安全责任事故、师德师风严重违规"),
]
SCHOOL_ITEMS = [
    ItemIn("按时报送", ItemKind.LIVE, 20, "directives.on_time_rate", "linear", 60, 100),
    ItemIn(
        "家长告知书知晓率", ItemKind.LIVE, 20, "notices.awareness_rate", "banded", bands="95:100, 90:80, 80:60, 60:30"
    ),
    ItemIn("逾期未销号问题", ItemKind.LIVE, 15, "rectification.overdue", "linear", 5, 0),
    ItemIn("本学期应急演练", ItemKind.LIVE, 10, "duty.drill_coverage", "banded", bands="100:100"),
    ItemIn("家访覆盖", ItemKind.LIVE, 15, "cases.visit_coverage", "linear", 20, 80),
    ItemIn("平安校园建设", ItemKind.MANUAL, 15, criteria="门卫、视频监控、一键报警、食堂陪餐记录，现场查看并附照片。"),
    ItemIn("问责扣分", ItemKind.DEDUCTION, 5, source_code="supervision.accountability"),
    ItemIn("一票否决事项", ItemKind.VETO, criteria="瞒报疫情、发生造成人员伤亡的安全责任事故、师德师风严重违规"),
]
TARGETS = [
    TargetIn("家长告知书知晓率不低于 95%", "notices.awareness_rate", "ge", 95),
    TargetIn("控辍保学动态清零", "cases.open_dropouts", "le", 0),
    TargetIn("全年无重大安全责任事故"),
    TargetIn("按时报送率不低于 90%", "directives.on_time_rate", "ge", 90),
]


# The school appraisal leaves kindergartens to their own scheme (幼儿园保育教育质量评估).
SCHOOL_TYPES = ["primary", "junior", "nine_year", "senior", "complete", "vocational", "special"]


def _scheme(
    actor: User, unit: OrgUnit, name: str, kind: str, year: int, items: list[ItemIn], types: list[str] | None = None
) -> AppraisalScheme:
    scheme = services.create_scheme(
        actor=actor,
        unit=unit,
        data=SchemeIn(
            name=name,
            period_kind="year",
            period_start=dt.date(year, 1, 1),
            period_end=dt.date(year, 12, 31),
            unit_kind=kind,
            school_types=types or [],
            objection_days=7,
        ),
    )
    for item in items:
        scheme = AppraisalScheme.objects.get(pk=scheme.pk)
        services.add_item(actor=actor, scheme=scheme, data=item, version=scheme.version)
    return AppraisalScheme.objects.get(pk=scheme.pk)


def _manual_scores(scheme: AppraisalScheme, assessor: User, rng: random.Random) -> int:
    rows = []
    for item in scheme.items.filter(kind=ItemKind.MANUAL):
        for unit in services.appraised_units(scheme):
            score = Decimal(str(round(float(item.weight) * rng.uniform(0.6, 1.0), 1)))
            rows.append(ManualScore(item=item, unit=unit, score=score, note="对照工作要点现场查看", assessor=assessor))
    ManualScore.objects.bulk_create(rows)
    return len(rows)


def _last_year(actor: User, root: OrgUnit, year: int, rng: random.Random) -> AppraisalScheme:
    """Last year's published ranking (kept as its results: last year's live figures are not in the demo)."""
    scheme = _scheme(actor, root, f"{year}年度区县教育工作目标考核", UnitKind.DISTRICT, year, DISTRICT_ITEMS)
    now = timezone.now()
    results = [
        Result(scheme=scheme, unit=unit, total=Decimal(str(round(rng.uniform(72, 96), 1))), computed_at=now)
        for unit in services.appraised_units(scheme)
    ]
    for result in results:
        result.band = Band.GREEN if result.total >= 90 else Band.YELLOW if result.total >= 75 else Band.RED
    rank(results, {})
    Result.objects.bulk_create(results)
    AppraisalScheme.objects.filter(pk=scheme.pk).update(
        status=SchemeStatus.PUBLISHED,
        computed_at=now,
        frozen_at=now,
        published_at=now,
        objection_until=dt.date(year + 1, 1, 20),
    )
    return scheme


def _publish(actor: User, scheme: AppraisalScheme) -> AppraisalScheme:
    scheme = services.announce(actor=actor, scheme=scheme, version=scheme.version)
    scheme = services.freeze(actor=actor, scheme=scheme, version=scheme.version)
    return services.publish(actor=actor, scheme=scheme, version=scheme.version)


def _books(actor: User, issuer: OrgUnit, kind: str, year: int, signer_unit: int | None) -> int:
    issued = services.issue_books(
        actor=actor, issuer=issuer, year=year, unit_kind=kind, title=f"{year}年度目标管理责任书", targets=TARGETS
    )
    books = TargetBook.objects.filter(issuer=issuer, year=year)
    # Signed in January by the unit heads; the demo school's book is still waiting (a to-do on its home page).
    signed_at = dt.datetime(year, 1, 15, 10, 0, tzinfo=timezone.get_current_timezone())
    books.exclude(unit_id=signer_unit).update(status=TargetBookStatus.SIGNED, signed_at=signed_at)
    Target.objects.filter(book__in=books, indicator_code="").update(is_met=True, check_note="经核查，全年未发生")
    return issued


@demo_step(order=130)
def appraisal_demo(context: DemoContext) -> dict[str, int]:
    rng = random.Random(context.seed + 130)  # noqa: S311 (deterministic demo data)
    city = context.city
    year = context.today.year
    admin = User.objects.get(username="city.admin")
    inspector = User.objects.get(username="city.inspector")
    district_admin = User.objects.get(username="district.admin")
    principal = User.objects.get(username="school.principal")
    root = OrgUnit.objects.get(pk=city.root)
    district = OrgUnit.objects.get(pk=city.districts[0])

    books = _books(admin, root, UnitKind.DISTRICT, year, None)
    books += _books(district_admin, district, UnitKind.SCHOOL, year, city.first_school)

    last_year = _last_year(admin, root, year - 1, rng)
    districts = _scheme(admin, root, f"{year}年度区县教育工作目标考核", UnitKind.DISTRICT, year, DISTRICT_ITEMS)
    AppraisalScheme.objects.filter(pk=districts.pk).update(previous=last_year)
    districts = AppraisalScheme.objects.get(pk=districts.pk)
    scores = _manual_scores(districts, inspector, rng)
    districts = _publish(admin, districts)

    schools = _scheme(
        district_admin,
        district,
        f"{year}年度{district.short_name or district.name}中小学校工作考评",
        UnitKind.SCHOOL,
        year,
        SCHOOL_ITEMS,
        SCHOOL_TYPES,
    )
    scores += _manual_scores(schools, district_admin, rng)
    schools = _publish(district_admin, schools)

    # The demo school objects to the item where it lost most.
    result = Result.objects.get(scheme=schools, unit_id=city.first_school)
    items = {str(i.pk): i for i in schools.items.all()}
    worst = max(
        (key for key in result.items if items[key].kind != ItemKind.VETO),
        key=lambda key: (result.items[key]["lost"], -items[key].position),
    )
    services.file_objection(
        actor=principal,
        result=result,
        item=items[worst],
        reason="本校已按要求完成该项工作，部分材料因系统账号调整晚录入，现补充佐证材料，请予核实更正。",
    )
    return {
        "appraisal_schemes": AppraisalScheme.objects.count(),
        "appraisal_results": Result.objects.count(),
        "appraisal_manual_scores": scores,
        "appraisal_objections": 1,
        "target_books": books,
    }
