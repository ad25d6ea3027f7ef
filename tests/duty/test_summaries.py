"""City-scale pages: above DUDAO_DETAIL_LIMIT units the duty and drill-coverage pages show one line per child
unit, counted in SQL, that agrees with the per-unit detail; each line drills into its subtree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from dudao.duty import selectors, services
from dudao.duty.models import PlanType
from tests.duty.conftest import inspection_plan
from tests.factories import City

pytestmark = pytest.mark.django_db


def test_now_summary_agrees_with_the_detail_rows(city: City, live_shift) -> None:
    rows = selectors.on_duty_now(city.user("bureau_staff"))
    summary = {s.unit.pk: s for s in selectors.now_summary(city.root)}
    assert set(summary) == {city.district_a.pk, city.district_b.pk}
    for district in (city.district_a, city.district_b):
        under = [r for r in rows if r.unit.path.startswith(district.path)]
        found = summary[district.pk]
        assert found.units == len(under)
        assert found.uncovered == sum(1 for r in under if r.is_uncovered)
        assert found.leaderless == sum(1 for r in under if r.has_no_leader)
    # The doctor's shift covers school_a: district A has one covered unit, still without a leader.
    assert summary[city.district_a.pk].uncovered == summary[city.district_a.pk].units - 1
    assert summary[city.district_a.pk].leaderless == summary[city.district_a.pk].units


def test_coverage_summary_agrees_with_the_schools(city: City) -> None:
    services.record_drill(
        actor=city.user("school_staff"),
        plan=inspection_plan(city),
        held_on=dt.date.today(),
        participants=100,
        duration_minutes=30,
        evaluation="",
    )
    term = selectors.term_of(dt.date.today())
    summary = {s.unit.pk: s for s in selectors.coverage_summary(city.root, term=term)}
    a, b = summary[city.district_a.pk], summary[city.district_b.pk]
    assert (a.schools, a.drilled[PlanType.INSPECTION], a.undrilled) == (2, 1, 1)
    assert (b.schools, b.drilled[PlanType.INSPECTION], b.undrilled) == (1, 0, 1)


@pytest.mark.parametrize("path", ["/duty/", "/plans/coverage/"])
def test_big_scopes_show_a_summary_and_drill_in(client: Client, city: City, live_shift, settings, path) -> None:
    settings.DUDAO_DETAIL_LIMIT = 2
    client.force_login(city.user("bureau_staff"))
    page = client.get(path).content.decode()
    assert "summary" in page and f"?unit={city.district_a.pk}" in page
    inside = client.get(f"{path}?unit={city.district_a.pk}")
    assert inside.status_code == 200 and city.school_a.name in inside.content.decode()
    assert f"?unit={city.root.pk}" in inside.content.decode()  # the way back up
    # A district admin cannot look at the other district, and a malformed unit is not a server error.
    client.force_login(city.user("district_admin"))
    assert client.get(f"{path}?unit={city.district_b.pk}").status_code == 404
    assert client.get(f"{path}?unit=abc").status_code == 404
