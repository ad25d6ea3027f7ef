"""Demo risk tags and warnings: about a fifth of the schools carry risk tags (low-lying, below a reservoir, by a
river, on a slope), boarding and canteen tags follow the school type; in the first district a red rainstorm warning
has been dispatched by the district's health officer (district.health) and most schools have acknowledged it, and
a yellow heat warning waits to be checked and dispatched. Tags are bulk-inserted in one statement."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from dudao.accounts.models import User
from dudao.demo.registry import DemoContext, demo_step
from dudao.directives import selectors as directive_selectors
from dudao.directives import services as directive_services
from dudao.orgs.models import OrgUnit, RoleAssignment, SchoolType, UnitKind, UnitTag, UnitTagging
from dudao.orgs.roles import Role
from dudao.orgs.scoping import acting_assignment
from dudao.orgs.tags import ensure_builtin_tags
from dudao.warnings import services
from dudao.warnings.models import WarningKind, WarningLevel

RISK_TAGS = ("地势低洼", "水库下游", "河流沿岸", "山体边坡", "临街", "林区周边")
BOARDING = {SchoolType.SENIOR, SchoolType.COMPLETE, SchoolType.VOCATIONAL, SchoolType.SPECIAL}
CANTEEN = BOARDING | {SchoolType.JUNIOR, SchoolType.NINE_YEAR}


def _tag_schools(rng: random.Random, first: int) -> int:
    ensure_builtin_tags()
    tags = dict(UnitTag.objects.filter(owner=None).values_list("name", "pk"))
    rows: set[tuple[int, int]] = set()
    for pk, school_type in OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False).values_list(
        "pk", "school_type"
    ):
        if rng.random() < 0.2 or pk == first:
            rows |= {(tags[name], pk) for name in rng.sample(RISK_TAGS, rng.randint(1, 2))}
        if school_type in BOARDING:
            rows.add((tags["寄宿制"], pk))
        if school_type in CANTEEN:
            rows.add((tags["有食堂"], pk))
        if rng.random() < 0.1:
            rows.add((tags["有校车"], pk))
    if first:
        rows |= {(tags["地势低洼"], first), (tags["河流沿岸"], first)}
    UnitTagging.objects.bulk_create(
        [UnitTagging(tag_id=t, unit_id=u) for t, u in sorted(rows)], batch_size=2000, ignore_conflicts=True
    )
    return len(rows)


@demo_step(order=145)
def warnings_demo(context: DemoContext) -> dict[str, Any]:
    rng = random.Random(context.seed + 145)  # noqa: S311 (deterministic demo data, not security)
    tagged = _tag_schools(rng, context.city.first_school)
    officer = User.objects.filter(username="district.health").first()
    acting = acting_assignment(officer) if officer is not None else None
    if officer is None or acting is None:
        return {"unit_taggings": tagged}
    district = acting.unit
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    rainstorm = services.create_warning(
        actor=officer,
        data=services.WarningIn(
            kind=WarningKind.RAINSTORM,
            level=WarningLevel.RED,
            starts_at=now,
            ends_at=now + dt.timedelta(hours=36),
            area=[district.pk],
            issuer="市气象台",
            content="预计未来 6 小时内降雨量将达 100 毫米以上，局地有特大暴雨，并伴有雷电、短时大风。",
        ),
    )
    dispatched = services.dispatch_warning(actor=officer, warning=rainstorm).warning
    acknowledged = 0
    if dispatched.directive is not None:
        principals = dict(
            RoleAssignment.objects.filter(role=Role.PRINCIPAL, unit__path__under=district.path)
            .order_by("-id")
            .values_list("unit_id", "user_id")
        )
        targets = list(directive_selectors.targets_for(officer, dispatched.directive))
        for target in targets[: len(targets) * 3 // 4]:
            user_id = principals.get(target.unit_id)
            if user_id is None:
                continue
            principal = User.objects.get(pk=user_id)
            directive_services.acknowledge(actor=principal, target=target)
            acknowledged += 1
    services.create_warning(
        actor=officer,
        data=services.WarningIn(
            kind=WarningKind.HEAT,
            level=WarningLevel.YELLOW,
            starts_at=now + dt.timedelta(days=1),
            ends_at=now + dt.timedelta(days=3),
            area=[district.pk],
            issuer="市气象台",
            content="预计未来三天最高气温将升至 35℃ 以上。",
        ),
    )
    return {"unit_taggings": tagged, "warnings": 2, "warning_acknowledgements": acknowledged}
