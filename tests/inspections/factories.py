"""Building blocks for inspection and ledger tests: a framework, a round, a filled checklist, a ledger item.

Every helper goes through the real services (so audit events, versions and due dates are as in production)
and takes the `City` from `tests.factories.build_city()` (the `city` fixture). Typical use:

    framework = build_framework(city)                       # 4 indicators, codes 1.1 1.2 2.1 2.2
    inspection = plan_round(city, framework=framework)      # 实地测评 of 五中 and 实验小学, by city.inspector
    target = target_of(inspection, city.school_a)
    findings = submit_checklist(city, target, fail=("1.1", "1.2"))   # answers all, photos where required
    item = ledger_item(city)                                 # one open item at 五中, owner = class teacher

The default framework (`DEFAULT_INDICATORS`):
    1.1 pass/fail, evidence required, weight 1                (校园环境)
    1.2 deduct 2 per occurrence from 10, weight 2              (校园环境)
    2.1 scale 0–5, serious                                     (宣传氛围)
    2.2 pass/fail, primary schools only                        (宣传氛围)
五中 (school_a) is a 完全中学, so its checklist has 1.1, 1.2, 2.1; the primary schools also get 2.2.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone
from PIL import Image

from dudao.inspections import services
from dudao.inspections.frameworks import IndicatorInput, create_framework, current_version, save_indicator
from dudao.inspections.models import (
    Finding,
    Framework,
    FrameworkVersion,
    Indicator,
    Inspection,
    InspectionKind,
    Result,
    ScoringMethod,
    Severity,
    Target,
)
from dudao.orgs.models import OrgUnit
from dudao.rectification import services as rectification
from dudao.rectification.models import RectificationItem
from tests.factories import City

DEFAULT_INDICATORS: tuple[IndicatorInput, ...] = (
    IndicatorInput(section="校园环境", code="1.1", text="校园设施完好，无破损", evidence_required=True),
    IndicatorInput(
        section="校园环境",
        code="1.2",
        text="车辆停放有序，无乱停乱放",
        method=ScoringMethod.DEDUCT,
        max_score=Decimal(10),
        deduct_per=Decimal(2),
        weight=Decimal(2),
    ),
    IndicatorInput(
        section="宣传氛围",
        code="2.1",
        text="社会主义核心价值观宣传醒目",
        method=ScoringMethod.SCALE,
        max_score=Decimal(5),
        severity=Severity.SERIOUS,
    ),
    IndicatorInput(section="宣传氛围", code="2.2", text="小学生守则张贴上墙", school_types=("primary",)),
)


def picture(variant: int = 0, size: tuple[int, int] = (320, 240)) -> bytes:
    """A JPEG picture; variants 0–7 are different pictures to the difference hash (pairwise more than
    `SAME_PICTURE_DISTANCE` bits apart), the same variant at another size is the same picture."""
    image = Image.new("RGB", size, (90 + 20 * variant, 120, 160))
    w, h = size
    # A white block whose place depends on the variant, on a left-to-right gradient band.
    for x in range(w):
        shade = (x * 255) // w if variant % 2 else 255 - (x * 255) // w
        for y in range(h // 2, h):
            image.putpixel((x, y), (shade, shade, shade))
    left = (variant % 4) * w // 4
    top = (variant // 4) * h // 4
    for x in range(left, left + w // 4):
        for y in range(top, top + h // 4):
            image.putpixel((x, y), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return out.getvalue()


def upload(variant: int = 0, name: str = "", size: tuple[int, int] = (320, 240)) -> tuple[io.BytesIO, str]:
    """(file, name) as the rectification services take photos."""
    return io.BytesIO(picture(variant, size)), name or f"photo{variant}.jpg"


def build_framework(
    city: City,
    *,
    name: str = "文明校园测评",
    indicators: Iterable[IndicatorInput] = DEFAULT_INDICATORS,
    unit: OrgUnit | None = None,
    actor: Any = None,
) -> Framework:
    """A framework kept by the city bureau (or `unit`), built by bureau staff through the services."""
    actor = actor or city.user("bureau_staff")
    framework = create_framework(actor=actor, unit=unit or city.root, name=name)
    for data in indicators:
        save_indicator(actor=actor, framework=framework, data=data)
    return framework


def indicator(source: Framework | FrameworkVersion | Inspection | Target, code: str) -> Indicator:
    """The indicator with `code` in the framework's current version, or in the version a round/target uses."""
    if isinstance(source, Target):
        source = source.inspection
    if isinstance(source, Inspection):
        version = source.framework_version
    elif isinstance(source, Framework):
        version = current_version(source)
    else:
        version = source
    return Indicator.objects.get(framework_version=version, code=code)


def plan_round(
    city: City,
    *,
    framework: Framework | None = None,
    kind: str = InspectionKind.FIELD,
    schools: Sequence[OrgUnit] | None = None,
    actor: Any = None,
    unit: OrgUnit | None = None,
    name: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    assessment_on: dt.date | None = None,
    previous: Inspection | None = None,
) -> Inspection:
    """A round organised at the city (by city.inspector) over 五中 and 实验小学 unless told otherwise.

    Uses (building it on first use) the default framework when none is given. For a revisit, pass `previous`
    (and `schools=()` to take the schools with open findings).
    """
    if framework is None and previous is None:
        framework = Framework.objects.filter(unit=city.root, name="文明校园测评").first() or build_framework(city)
    if framework is not None:
        version = current_version(framework)
    else:
        assert previous is not None
        version = previous.framework_version
    today = timezone.localdate()
    return services.plan_inspection(
        actor=actor or city.user("inspector"),
        unit=unit or city.root,
        name=name or f"{InspectionKind(kind).label}{Inspection.objects.count() + 1}",
        kind=kind,
        framework_version=version,
        schools=list(schools) if schools is not None else [city.school_a, city.school_a2],
        starts_on=starts_on or today,
        ends_on=ends_on or today + dt.timedelta(days=5),
        assessment_on=assessment_on,
        previous=previous,
    )


def target_of(inspection: Inspection, school: OrgUnit) -> Target:
    return Target.objects.select_related("inspection", "school").get(inspection=inspection, school=school)


def answer_checklist(
    target: Target,
    *,
    actor: Any,
    fail: Iterable[str] = (),
    not_applicable: Iterable[str] = (),
    occurrences: int = 2,
    scale_value: Decimal | int = 2,
    photos: bool = True,
) -> None:
    """Answer every indicator that applies to the school: pass, except codes in `fail` (and N/A ones).

    A failed deduct indicator gets `occurrences`, a failed scale one `scale_value`. With `photos`, a failed
    evidence-required indicator gets one photo (variant = its position), as the inspector would take.
    """
    fail, not_applicable = set(fail), set(not_applicable)
    indicators, _ = services.checklist(target)
    for position, item in enumerate(indicators):
        if item.code in not_applicable:
            services.save_answer(actor=actor, target=target, indicator_id=item.pk, result=Result.NOT_APPLICABLE)
        elif item.code in fail:
            services.save_answer(
                actor=actor,
                target=target,
                indicator_id=item.pk,
                result=Result.FAIL,
                occurrences=occurrences if item.method == ScoringMethod.DEDUCT else None,
                value=scale_value if item.method == ScoringMethod.SCALE else None,
                note="现场发现",
            )
            if photos and item.evidence_required:
                services.add_photo(
                    actor=actor,
                    target=target,
                    indicator_id=item.pk,
                    upload=io.BytesIO(picture(position)),
                    name=f"{item.code}.jpg",
                )
        else:
            services.save_answer(actor=actor, target=target, indicator_id=item.pk, result=Result.PASS)


def indicator_code(finding: Finding) -> str:
    """The code of the indicator a checklist finding failed (a finding made from a checklist always has one)."""
    assert finding.indicator is not None
    return finding.indicator.code


def submit_checklist(
    city: City, target: Target, *, fail: Iterable[str] = ("1.1", "1.2"), actor: Any = None, **answers: Any
) -> list[Finding]:
    """Answer (see `answer_checklist`) and submit one school's checklist; returns the findings it made."""
    actor = actor or city.user("inspector")
    answer_checklist(target, actor=actor, fail=fail, **answers)
    return services.submit_target(actor=actor, target=target)


def submitted_round(
    city: City, *, fail: Iterable[str] = ("1.1", "1.2"), kind: str = InspectionKind.FIELD, **round_args: Any
) -> Inspection:
    """A round whose every target is submitted with the `fail` codes failed (findings and, unless unannounced,
    ledger items)."""
    inspection = plan_round(city, kind=kind, **round_args)
    actor = round_args.get("actor") or city.user("inspector")
    for target in inspection.targets.select_related("inspection", "school"):
        submit_checklist(city, target, fail=fail, actor=actor)
    inspection.refresh_from_db()
    return inspection


def ledger_item(
    city: City,
    *,
    school: OrgUnit | None = None,
    owner: Any = "class_teacher",
    responsibility: str = "总务处维修破损设施",
    due_in_days: int = 5,
) -> RectificationItem:
    """One ledger item (from a failed 1.1, with its photo) at 五中 or `school`.

    `owner` is a user, a `city.user` key, or None to leave the item unassigned; the school's principal
    assigns it (四定) with a due date `due_in_days` from today. Returns the fresh item.
    """
    school = school or city.school_a
    inspection = plan_round(city, schools=[school])
    findings = submit_checklist(city, target_of(inspection, school), fail=("1.1",))
    item = RectificationItem.objects.get(finding=findings[0])
    if owner is not None:
        person = city.user(owner) if isinstance(owner, str) else owner
        principal = city.user("principal") if school.path.startswith(city.school_a.path) else None
        if principal is None:
            raise ValueError("ledger_item assigns owners only at 五中; pass owner=None elsewhere")
        item = rectification.assign(
            actor=principal,
            item=item,
            owner=person,
            responsibility=responsibility,
            due_date=timezone.localdate() + dt.timedelta(days=due_in_days),
            version=item.version,
        )
    item.refresh_from_db()
    return item
