"""The unit-tree picker's endpoint: levels, search with the district named, whole districts, scope and refusals."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from dudao.orgs.models import OrgUnit
from dudao.orgs.picker import Options, UnitTreePicker, children, search
from tests.factories import City, unit

pytestmark = pytest.mark.django_db

URL = "/orgs/picker/tree/"
MULTI = {"kinds": "district,school", "multiple": "1", "whole": "1"}
SINGLE = {"kinds": "school,district,office"}


def rows(html: str) -> list[str]:
    """The unit names of the rows, in order."""
    return re.findall(r'data-label="([^"]+)"', html)


def test_city_level_lists_districts_taken_whole_with_their_school_counts(signed_in, city: City) -> None:
    html = signed_in(city.user("bureau_staff")).get(URL, MULTI).content.decode()
    assert rows(html) == ["甲区教育局 全部学校", "乙区教育局 全部学校"]
    assert "全部学校 2 所" in html and "全部学校 1 所" in html
    assert "教育督导室" not in html  # an office is no directive target and holds none
    assert f'data-upk-open="{city.district_a.pk}"' in html


def test_opened_district_offers_itself_then_its_schools(signed_in, city: City) -> None:
    html = signed_in(city.user("bureau_staff")).get(URL, {**MULTI, "parent": city.district_a.pk}).content.decode()
    assert rows(html) == ["甲区教育局", "甲区第五中学", "甲区实验小学"]
    assert "甲区教育局（本级）" in html
    # The schools carry their district, so a district ticked whole shows them ticked.
    assert html.count(f'data-ancestors="{city.district_a.pk}"') == 2


def test_single_mode_offers_offices_and_districts_themselves(signed_in, city: City) -> None:
    html = signed_in(city.user("bureau_staff")).get(URL, SINGLE).content.decode()
    assert rows(html) == ["甲区教育局", "乙区教育局", "教育督导室"]
    assert 'type="radio"' in html and "全部学校" not in html


@pytest.mark.parametrize(
    ("q", "expected"), [("五中", "甲区第五中学"), ("wz", "甲区第五中学"), ("jqsy", "甲区实验小学")]
)
def test_search_finds_by_name_or_pinyin_initials_and_names_the_district(
    signed_in, city: City, q: str, expected: str
) -> None:
    html = signed_in(city.user("bureau_staff")).get(URL, {**MULTI, "q": q}).content.decode()
    assert rows(html) == [expected]
    assert "学校 · 甲区教育局" in html and "找到 1 个" in html


def test_search_says_when_nothing_matches(signed_in, city: City) -> None:
    html = signed_in(city.user("bureau_staff")).get(URL, {**MULTI, "q": "不存在的学校"}).content.decode()
    assert "没有找到“不存在的学校”" in html and rows(html) == []


def test_search_caps_the_hits_and_says_how_many_there_are(signed_in, city: City) -> None:
    for n in range(23):
        unit(city.district_b, f"乙区测试学校{n:02d}", "school")
    html = signed_in(city.user("bureau_staff")).get(URL, {**MULTI, "q": "测试学校"}).content.decode()
    assert len(rows(html)) == 20 and "共 23 个结果，只列出前 20 个" in html


def test_district_admin_sees_only_her_district(signed_in, city: City) -> None:
    client = signed_in(city.user("district_admin"))
    html = client.get(URL, MULTI).content.decode()
    assert rows(html) == ["甲区第五中学", "甲区实验小学"]
    assert "乙区" not in client.get(URL, {**MULTI, "q": "一小"}).content.decode()


@pytest.mark.parametrize("param", ["parent", "root"])
def test_units_outside_the_scope_answer_404(signed_in, city: City, param: str) -> None:
    client = signed_in(city.user("district_admin"))
    assert client.get(URL, {**MULTI, param: city.district_b.pk}).status_code == 404
    assert client.get(URL, {**MULTI, param: city.school_b.pk}).status_code == 404
    assert client.get(URL, {**MULTI, param: "abc"}).status_code == 404


def test_a_parent_outside_the_given_root_answers_404(signed_in, city: City) -> None:
    client = signed_in(city.user("bureau_staff"))
    response = client.get(URL, {**MULTI, "root": city.district_a.pk, "parent": city.district_b.pk})
    assert response.status_code == 404


@pytest.mark.parametrize("kinds", ["", "class", "school,grade", "bureau"])
def test_bad_kinds_are_refused_in_chinese(signed_in, city: City, kinds: str) -> None:
    response = signed_in(city.user("bureau_staff")).get(URL, {"kinds": kinds})
    assert response.status_code == 400 and "可选单位类型" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bureau_staff", 200),
        ("district_admin", 200),
        ("principal", 200),
        ("class_teacher", 200),
        ("sysadmin", 200),
        ("auditor", 403),
    ],
)
def test_who_may_read_the_tree(signed_in, city: City, role: str, status: int) -> None:
    assert signed_in(city.user(role)).get(URL, SINGLE).status_code == status


def test_anonymous_is_sent_to_log_in(client: Client, city: City) -> None:
    response = client.get(URL, SINGLE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_level_costs_the_same_queries_for_many_schools(city: City, django_assert_max_num_queries) -> None:
    for n in range(30):
        unit(city.district_a, f"甲区新学校{n:02d}", "school")
    root = OrgUnit.objects.get(pk=city.root.pk)
    district = OrgUnit.objects.get(pk=city.district_a.pk)
    options = Options(root=root, kinds=("district", "school"), multiple=True, whole=True)
    user = city.user("bureau_staff")
    with django_assert_max_num_queries(8):
        assert len(children(user, options, district)) == 33
    with django_assert_max_num_queries(8):
        hits, total = search(user, options, "新学校")
    assert total == 30 and hits[0].place == "甲区教育局"


def test_widget_shows_the_chosen_unit_as_a_chip_and_a_single_choice_as_text(city: City) -> None:
    widget = UnitTreePicker(kinds=("school", "district"))
    widget.choices = [
        ("区县教育局", [(city.district_a.pk, "甲区教育局")]),
        ("学校", [(city.school_a.pk, "甲区第五中学")]),
    ]
    html = widget.render("unit", city.school_a.pk, {"id": "id_unit"})
    assert f'name="unit" value="{city.school_a.pk}"' in html and "甲区第五中学" in html
    assert 'id="id_unit"' in html and "data-unit-picker" in html
    widget.choices = [(city.school_a.pk, "甲区第五中学")]
    only = widget.render("unit", None, {"id": "id_unit"})
    assert "data-unit-picker" not in only and f'type="hidden" name="unit" value="{city.school_a.pk}"' in only
