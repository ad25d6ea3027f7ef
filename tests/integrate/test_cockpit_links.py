"""The seams of the cockpit: "督办" on the drill page for those who issue orders, school names linked to profiles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.orgs.roles import PERMISSIONS, Role
from dudao.rectification.models import RectificationItem
from tests.factories import City
from tests.inspections.factories import ledger_item

pytestmark = pytest.mark.django_db

CODE = "rectification.overdue"


def _overdue(city: City) -> RectificationItem:
    """An overdue ledger item at 五中 (school_a, 甲区): 甲区 is red on 逾期未销号问题, 乙区 has none."""
    item = ledger_item(city, owner=None)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    return item


def _new_order(unit_pk: int) -> str:
    return f"/supervision/new/?unit={unit_pk}&amp;indicator={CODE}"


@pytest.mark.parametrize("role", ["bureau_leader", "bureau_staff", "inspector"])
def test_bureau_issuers_get_supervise_on_the_drill_page_of_a_district(signed_in, city: City, role: str) -> None:
    _overdue(city)
    html = signed_in(city.user(role)).get(f"/indicators/{CODE}/?unit={city.district_a.pk}").content.decode()
    assert 'data-testid="supervise"' in html and _new_order(city.district_a.pk) in html


def test_red_children_get_their_own_supervise_link(signed_in, city: City) -> None:
    _overdue(city)
    html = signed_in(city.user("bureau_leader")).get(f"/indicators/{CODE}/").content.decode()
    assert 'data-testid="supervise-child"' in html
    assert _new_order(city.district_a.pk) in html  # red: the overdue item is there
    assert _new_order(city.district_b.pk) not in html  # nothing overdue: no reason to supervise
    assert 'data-testid="supervise"' not in html  # the city itself is nobody's to supervise from the city


def test_the_link_opens_the_prefilled_order_form(signed_in, city: City) -> None:
    _overdue(city)
    client = signed_in(city.user("bureau_leader"))
    response = client.get(f"/supervision/new/?unit={city.district_a.pk}&indicator={CODE}")
    assert response.status_code == 200 and "逾期未销号问题" in response.content.decode()


def test_a_district_admin_supervises_its_schools_not_itself(signed_in, city: City) -> None:
    _overdue(city)
    client = signed_in(city.user("district_admin"))
    own = client.get(f"/indicators/{CODE}/").content.decode()
    assert 'data-testid="supervise"' not in own
    school = client.get(f"/indicators/{CODE}/?unit={city.school_a.pk}").content.decode()
    assert _new_order(city.school_a.pk) in school


@pytest.mark.parametrize("role", ["principal", "school_staff"])
def test_roles_without_supervision_issue_see_no_button(signed_in, city: City, role: str) -> None:
    _overdue(city)
    html = signed_in(city.user(role)).get(f"/indicators/{CODE}/?unit={city.school_a.pk}").content.decode()
    assert "/supervision/new/" not in html and ">督办<" not in html


def test_drill_rows_link_the_school_profile_when_the_viewer_may_open_it(signed_in, city: City) -> None:
    _overdue(city)
    profile = f'href="/schools/{city.school_a.pk}/"'
    leader = signed_in(city.user("bureau_leader")).get(f"/indicators/{CODE}/?unit={city.district_a.pk}")
    rows = leader.content.decode().split('data-testid="drill-rows"')[1]
    assert profile in rows and "data-school-link" in rows


def test_without_profile_read_the_school_is_named_not_linked(signed_in, city: City, monkeypatch) -> None:
    monkeypatch.setitem(PERMISSIONS, "profile.read", frozenset({Role.PRINCIPAL}))
    _overdue(city)
    leader = signed_in(city.user("bureau_leader")).get(f"/indicators/{CODE}/?unit={city.district_a.pk}")
    rows = leader.content.decode().split('data-testid="drill-rows"')[1]
    assert city.school_a.name in rows and "/schools/" not in rows


def test_the_ranked_table_links_schools_to_their_profile(signed_in, city: City) -> None:
    _overdue(city)
    html = signed_in(city.user("district_admin")).get("/cockpit/").content.decode()
    ranking = html[html.index('data-testid="ranking"') :]
    assert f'href="/schools/{city.school_a.pk}/"' in ranking and f'href="/schools/{city.school_a2.pk}/"' in ranking
    districts = signed_in(city.user("bureau_leader")).get("/cockpit/").content.decode()
    assert "/schools/" not in districts[districts.index('data-testid="ranking"') :]  # districts have no profile
