"""The global search's reads: pinyin initials, each kind scoped as its own list, counts capped."""

from __future__ import annotations

import pytest

from dudao.orgs.models import Student, name_initials
from dudao.orgs.text import initials
from dudao.search import selectors
from tests.factories import City, act_as, assign, student

pytestmark = pytest.mark.django_db


def hits(city: City, key: str, q: str, kind: str) -> list[str]:
    groups = {g.kind: g for g in selectors.search(city.user(key), q)}
    return [h.title for h in groups[kind].hits] if kind in groups else []


def test_initials_are_kept_with_the_name_on_save(zhang_san: Student) -> None:
    assert zhang_san.name_initials == "zs"
    zhang_san.name = "欧阳娜娜"
    zhang_san.save(update_fields=["name"])
    assert Student.objects.get(pk=zhang_san.pk).name_initials == "oynn"


def test_bulk_create_fills_initials(city: City) -> None:
    # build_city inserts its students with bulk_create: 学生12 → xs12
    first = city.students["a1"][0]
    assert Student.objects.get(pk=first.pk).name_initials == name_initials(first.name)
    assert first.name_initials.startswith("xs")


def test_initials_of_a_school_name() -> None:
    assert initials("江东区第五中学") == "jdqdwzx"


def test_pinyin_initials_find_a_student(city: City, zhang_san: Student) -> None:
    assert hits(city, "principal", "zs", "students") == ["张三"]
    assert hits(city, "principal", "ZS", "students") == ["张三"]  # typed in capitals
    assert hits(city, "bureau_staff", "zs", "students") == ["张三"]


def test_initials_with_gaps_find_a_school(city: City) -> None:
    # 甲区第五中学 → jqdwzx; "jqwz" (甲区五中) skips letters, as "jdwz" finds 江东区第五中学
    assert "甲区第五中学" in hits(city, "bureau_staff", "jqwz", "units")
    assert "甲区第五中学" in hits(city, "bureau_staff", "wz", "units")
    assert "甲区第五中学" in hits(city, "bureau_staff", "五中", "units")


def test_students_outside_the_scope_are_not_found(city: City, zhang_san: Student, zhang_si_b: Student) -> None:
    assert hits(city, "district_admin", "zs", "students") == ["张三"]
    assert hits(city, "district_admin_b", "zs", "students") == ["张思"]
    assert sorted(hits(city, "bureau_leader", "zs", "students")) == ["张三", "张思"]
    assert hits(city, "class_teacher", "张", "students") == ["张三"]


def test_city_wide_name_search_reads_from_the_beginning(city: City, zhang_san: Student) -> None:
    """A substring has no index: over a district or the city a name matches from its first character; at a
    school (a few thousand rows) also in the middle, as on the roster."""
    assert hits(city, "bureau_staff", "张", "students") == ["张三"]
    assert hits(city, "bureau_staff", "三", "students") == []
    group = next(g for g in selectors.search(city.user("bureau_staff"), "三") if g.kind == "students")
    assert "学生名册" in group.note
    initials = next(g for g in selectors.search(city.user("bureau_staff"), "zs") if g.kind == "students")
    assert initials.note == ""  # initials are always matched from the beginning: nothing to explain
    assert hits(city, "principal", "三", "students") == ["张三"]


def test_full_student_number_is_found_anywhere_in_scope(city: City, zhang_san: Student) -> None:
    assert hits(city, "bureau_staff", zhang_san.student_no, "students") == ["张三"]
    assert hits(city, "district_admin_b", zhang_san.student_no, "students") == []


def test_student_number_is_masked_in_hits(city: City, zhang_san: Student) -> None:
    group = next(g for g in selectors.search(city.user("principal"), "zs") if g.kind == "students")
    assert zhang_san.id_card_no not in group.hits[0].detail
    assert "********" in group.hits[0].detail


@pytest.mark.parametrize(
    ("key", "kinds"),
    [
        ("bureau_leader", ["students", "units", "notices", "problems"]),
        ("principal", ["students", "units", "notices", "problems", "cases"]),
        ("counsellor", ["students", "units", "problems", "cases"]),  # no notices to follow
        ("sysadmin", ["units"]),
        ("auditor", []),
    ],
)
def test_each_role_searches_only_what_it_may_read(city: City, key: str, kinds: list[str]) -> None:
    assert [k.key for k in selectors.kinds_for(city.user(key))] == kinds


def test_counts_stop_at_the_cap(city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for _ in range(5):
        student(city.class_a1, name="张伟")
    group = next(g for g in selectors.search(city.user("principal"), "张伟", per_kind=2) if g.kind == "students")
    assert (group.count, group.capped, group.count_label, group.has_more) == (4, True, "3+", True)
    assert len(group.hits) == 2


def test_blank_query_searches_nothing(city: City) -> None:
    assert selectors.search(city.user("principal"), "   ") == []


def test_wildcards_are_searched_as_characters(city: City, zhang_san: Student) -> None:
    for q in ("*", "%", "_", "张*", "[张]", "z?", ".*"):
        groups = selectors.search(city.user("bureau_staff"), q)
        assert all(g.count == 0 for g in groups if g.kind == "students"), q


def test_acting_role_decides_scope(city: City, zhang_san: Student, zhang_si_b: Student) -> None:
    """A person with two roles searches through the one they act as."""
    person = city.user("district_admin_b")
    second = assign(person, "principal", city.school_a)
    act_as(person, second)
    assert [h.title for g in selectors.search(person, "zs") if g.kind == "students" for h in g.hits] == ["张三"]
