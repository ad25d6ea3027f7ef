"""The rows an order may link to, each through its own module's scope: directive targets not acknowledged, late
reports, health alerts; an indicator's drill gives one fact per row."""

from __future__ import annotations

import pytest

from dudao.command import selectors as command
from dudao.core.errors import DomainError
from dudao.directives.models import DirectiveTarget, Submission
from dudao.health.services import AbsenceInput
from dudao.supervision import sources
from tests.directives.conftest import city_directive
from tests.factories import City
from tests.health.conftest import check
from tests.inspections.factories import ledger_item
from tests.supervision.factories import issue, overdue_item

pytestmark = pytest.mark.django_db


def test_unacknowledged_directive_target_is_a_fact_of_its_school(city: City) -> None:
    directive = city_directive(city, None)
    target = DirectiveTarget.objects.get(directive=directive, unit=city.school_a)
    fact = sources.resolve(city.user("district_admin"), [("directive_target", target.pk)])[0]
    assert fact.unit == city.school_a and "尚未签收" in fact.label and directive.title in fact.label
    order = issue(city, target=city.school_a, facts=[("directive_target", target.pk)])
    assert order.facts.get().kind == "directive_target"


def test_report_is_a_fact_and_its_label_says_its_state(city: City) -> None:
    directive = city_directive(city, None)
    report = Submission.objects.get(directive=directive, unit=city.school_a)
    fact = sources.resolve(city.user("bureau_leader"), [("submission", report.pk)])[0]
    assert fact.unit == city.school_a and "未填报" in fact.label


def test_health_alert_is_a_fact_for_those_who_read_health(city: City) -> None:
    student = city.students["a1"][0].pk
    alert = check(
        city, [AbsenceInput(student=student, reason="illness", symptoms=("rash",), suspected="MEASLES")]
    ).alerts[0]
    fact = sources.resolve(city.user("district_admin"), [("health_alert", alert.pk)])[0]
    assert fact.unit == city.school_a and alert.title in fact.label
    # The inspector does not read health data: the alert is outside their scope.
    with pytest.raises(DomainError, match="不存在或不在您的管理范围内"):
        sources.resolve(city.user("inspector"), [("health_alert", alert.pk)])


def test_order_cannot_be_the_fact_of_another_order(city: City) -> None:
    order = issue(city)
    with pytest.raises(DomainError, match="不能关联督办单"):
        issue(city, facts=[("supervision_order", order.pk)])


@pytest.mark.parametrize("raw", ["rectification_item:", "nope:1", "rectification_item:-3", "rectification_item:1x"])
def test_garbled_links_are_refused(raw: str) -> None:
    with pytest.raises(DomainError, match="格式不正确"):
        sources.parse([raw])


def test_drill_rows_become_one_fact_each_only_for_rows_that_call_for_supervision(city: City) -> None:
    late = [overdue_item(city).pk, overdue_item(city, school=city.school_a2).pk]
    on_time = ledger_item(city, owner=None)
    leader = city.user("bureau_leader")
    indicator = command.indicator_for(leader, "rectification.close_rate")
    start, end = command.period(None, None)
    rows = command.drill(leader, indicator, city.district_a, start, end).rows
    assert on_time in rows
    facts = sources.problem_rows(leader, rows)
    assert facts is not None and sorted(f.object_id for f in facts) == sorted(late)


def test_counts_only_drill_gives_no_facts(city: City) -> None:
    assert sources.problem_rows(city.user("bureau_leader"), [{"school": "五中", "count": 3}]) is None
