"""目标管理责任书: issued in bulk, signed by the unit head, checked live where an indicator exists, feeding a scheme."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from dudao.appraisal import selectors, services
from dudao.appraisal.models import ItemKind, Result, Target, TargetBook, TargetBookStatus
from dudao.appraisal.services import ItemIn, TargetIn
from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden
from tests.appraisal.conftest import Figures, build_scheme
from tests.factories import City

pytestmark = pytest.mark.django_db

TARGETS = [TargetIn("报送率不低于 90%", "test.rate", "ge", 90), TargetIn("全年无重大安全责任事故")]


def issue(city: City) -> int:
    return services.issue_books(
        actor=city.user("district_admin"),
        issuer=city.district_a,
        year=timezone.localdate().year,
        unit_kind="school",
        title="年度目标管理责任书",
        targets=TARGETS,
    )


def test_issue_gives_each_school_one_book_and_a_repeat_issues_none(city: City, figures: Figures) -> None:
    assert issue(city) == 2
    assert issue(city) == 0
    assert TargetBook.objects.count() == 2 and Target.objects.count() == 4
    assert AuditEvent.objects.filter(action="issue_target_book").count() == 2


def test_target_on_unknown_indicator_is_refused(city: City) -> None:
    with pytest.raises(DomainError, match="第 1 项目标：没有代码为“gone.rate”的监测指标"):
        services.issue_books(
            actor=city.user("district_admin"),
            issuer=city.district_a,
            year=2026,
            unit_kind="school",
            title="责任书",
            targets=[TargetIn("x", "gone.rate", "ge", 1)],
        )
    assert not TargetBook.objects.exists()


def test_only_the_unit_head_signs_and_twice_is_harmless(city: City, figures: Figures) -> None:
    issue(city)
    book = TargetBook.objects.get(unit=city.school_a)
    with pytest.raises(Forbidden, match="只有责任单位的负责人"):
        services.sign_book(actor=city.user("district_admin"), book=book, version=book.version)
    signed = services.sign_book(actor=city.user("principal"), book=book, version=book.version)
    again = services.sign_book(actor=city.user("principal"), book=book, version=book.version)
    assert signed.status == again.status == TargetBookStatus.SIGNED
    assert AuditEvent.objects.filter(action="sign_target_book").count() == 1


def test_progress_is_live_for_indicator_targets_and_manual_otherwise(city: City, figures: Figures) -> None:
    figures.rate.update({city.school_a.pk: 95, city.school_a2.pk: 70})
    issue(city)
    a = TargetBook.objects.get(unit=city.school_a)
    lines = selectors.progress(city.user("district_admin"), a)
    assert [(line.met, line.value.value if line.value else None) for line in lines] == [(True, 95), (None, None)]
    manual = a.targets.get(indicator_code="")
    with pytest.raises(DomainError, match="请填写核查说明"):
        services.check_target(
            actor=city.user("district_admin"), target=manual, is_met=False, note="", version=a.version
        )
    services.check_target(
        actor=city.user("district_admin"), target=manual, is_met=True, note="经核查", version=a.version
    )
    assert [line.met for line in selectors.progress(city.user("principal"), a)] == [True, True]


def test_principal_may_not_check_targets(city: City, figures: Figures) -> None:
    issue(city)
    manual = Target.objects.filter(book__unit=city.school_a, indicator_code="").select_related("book__issuer").get()
    with pytest.raises(Forbidden):
        services.check_target(actor=city.user("principal"), target=manual, is_met=True, note="", version=None)


def test_targets_feed_the_scheme_as_an_item(city: City, figures: Figures) -> None:
    figures.rate.update({city.school_a.pk: 95, city.school_a2.pk: 70, city.school_b.pk: 50})
    issue(city)
    staff = city.user("bureau_staff")
    made = build_scheme(
        staff,
        city.root,
        items=[
            ItemIn("报送", ItemKind.LIVE, 80, "test.rate", "linear", 0, 100),
            ItemIn("责任书", ItemKind.TARGETS, 20),
        ],
    )
    services.compute(actor=staff, scheme=made)
    found = {r.unit_id: r.items[str(made.items.get(name="责任书").pk)] for r in Result.objects.filter(scheme=made)}
    # 五中 meets the rate target, the safety target waits for a check: 1 of 2.
    assert found[city.school_a.pk]["score"] == 10 and found[city.school_a.pk]["note"] == "完成目标 1/2 项"
    assert found[city.school_a2.pk]["score"] == 0
    assert found[city.school_b.pk]["note"] == "未下达目标管理责任书，按满分计"
    assert Result.objects.get(scheme=made, unit=city.school_a).total == Decimal("86.00")
