"""`{% school_link %}`: the tables that name a school link to its profile, for those who may open it."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template

from dudao.duty.selectors import NowUnit
from tests.factories import City
from tests.profiles.conftest import Busy

pytestmark = pytest.mark.django_db


def render(source: str, user: Any, **context: Any) -> str:
    return Template("{% load schools %}" + source).render(Context({"user": user, **context}))


def test_a_school_in_scope_is_linked_for_a_district_admin(city: City) -> None:
    html = render("{% school_link s %}", city.user("district_admin"), s=city.school_a)
    assert html == f'<a href="/schools/{city.school_a.pk}/" data-school-link>{city.school_a.name}</a>'


@pytest.mark.parametrize(
    ("who", "unit"),
    [
        ("class_teacher", "school_a"),  # no profile.read
        ("sysadmin", "school_a"),
        ("district_admin", "school_b"),  # another district's school
        ("bureau_staff", "district_a"),  # not a school
        ("bureau_staff", "class_a1"),
    ],
)
def test_otherwise_the_name_is_plain_text_and_the_extra_link_is_left_out(city: City, who: str, unit: str) -> None:
    target = getattr(city, unit)
    user = city.user(who)
    assert render("{% school_link s %}", user, s=target) == target.name
    assert render('{% school_link s "档案" %}', user, s=target) == ""


def test_the_extra_link_carries_its_text(city: City) -> None:
    html = render('{% school_link s "档案" %}', city.user("bureau_staff"), s=city.school_b)
    assert f'href="/schools/{city.school_b.pk}/"' in html and ">档案</a>" in html


def test_rows_without_a_kind_are_linked_when_told_they_are_schools(city: City) -> None:
    row = {"unit_id": city.school_a.pk, "unit_name": city.school_a.name}
    user = city.user("principal")
    assert render("{% school_link r %}", user, r=row) == city.school_a.name
    assert f'href="/schools/{city.school_a.pk}/"' in render('{% school_link r kind="school" %}', user, r=row)


def test_names_are_escaped(city: City) -> None:
    unit = NowUnit(pk=city.school_a.pk, path=city.school_a.path, name="<b>五中</b>", kind="school")
    html = render("{% school_link u %}", city.user("bureau_staff"), u=unit)
    assert "&lt;b&gt;五中&lt;/b&gt;" in html and "<b>" not in html


def test_without_a_signed_in_user_nothing_links(city: City) -> None:
    assert render("{% school_link s %}", None, s=city.school_a) == city.school_a.name


def _profile_link(city: City) -> str:
    return f'href="/schools/{city.school_a.pk}/"'


@pytest.mark.parametrize(
    "page",
    [
        "/ledger/",
        "/ledger/overview/",
        "/orgs/{district_a}/",
        "/inspections/{inspection}/",
        "/directives/{directive}/submissions/",
        "/health/dashboard/",
        "/notices/{notice}/",
        "/duty/",
        "/plans/coverage/",
        "/cases/stats/",
        "/cases/staffing/",
        "/directives/{directive}/",
        "/plans/",
        "/duty/rosters/",
        "/ledger/today/",
        "/ledger/{item}/",
    ],
)
def test_every_table_that_names_the_school_links_to_its_profile(city: City, busy: Busy, signed_in, page: str) -> None:
    url = page.format(
        district_a=city.district_a.pk,
        inspection=busy.inspection.pk,
        directive=busy.directive.pk,
        notice=busy.notice.pk,
        item=busy.item.pk,
    )
    response = signed_in(city.user("district_admin")).get(url)
    assert response.status_code == 200
    assert _profile_link(city) in response.content.decode()


def test_a_class_teacher_meets_no_profile_link_in_the_ledger(city: City, busy: Busy, signed_in) -> None:
    page = signed_in(city.user("class_teacher")).get("/ledger/").content.decode()
    assert city.school_a.name in page
    assert "/schools/" not in page
