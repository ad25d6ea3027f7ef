"""Unit tags: who may tag, scope, counts, the Excel import (all or nothing) and the picker's 按标签."""

from __future__ import annotations

import io

import pytest
import xlsxwriter

from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected
from dudao.orgs import picker, tags
from dudao.orgs.models import UnitKind, UnitTagging
from tests.factories import City
from tests.warnings.conftest import tag

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[str]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()


def test_district_admin_tags_a_school_of_its_district(city: City) -> None:
    added = tags.tag_units(actor=city.user("district_admin"), tag=tag("临街"), units=[city.school_a, city.school_a2])
    assert added == 2
    again = tags.tag_units(actor=city.user("district_admin"), tag=tag("临街"), units=[city.school_a])
    assert again == 0
    assert UnitTagging.objects.filter(tag__name="临街").count() == 2


def test_district_admin_cannot_tag_another_districts_school(city: City) -> None:
    with pytest.raises(Forbidden):
        tags.tag_units(actor=city.user("district_admin"), tag=tag("临街"), units=[city.school_b])
    assert not UnitTagging.objects.exists()


@pytest.mark.parametrize("role", ["principal", "health_officer", "bureau_leader", "class_teacher"])
def test_roles_without_change_cannot_tag(city: City, role: str) -> None:
    with pytest.raises(Forbidden):
        tags.tag_units(actor=city.user(role), tag=tag("临街"), units=[city.school_a])


def test_only_schools_carry_tags(city: City) -> None:
    with pytest.raises(DomainError, match="不是学校"):
        tags.tag_units(actor=city.user("bureau_staff"), tag=tag("临街"), units=[city.district_a])


def test_counts_are_scoped_to_the_viewed_unit(tagged: City) -> None:
    staff = tagged.user("bureau_staff")
    counts = tags.tag_counts(staff, tagged.root)
    assert counts[tag("地势低洼").pk] == 1 and counts[tag("河流沿岸").pk] == 1
    district = tags.tag_counts(tagged.user("district_admin"), tagged.district_a)
    assert tag("河流沿岸").pk not in district
    assert tags.tag_counts(tagged.user("district_admin"), tagged.district_b) == {}


def test_a_districts_own_tag_is_not_seen_by_another_district(city: City) -> None:
    own = tags.define_tag(actor=city.user("district_admin"), name="留守儿童多", description="")
    assert tags.tags_for(city.user("district_admin")).filter(pk=own.pk).exists()
    assert tags.tags_for(city.user("bureau_staff")).filter(pk=own.pk).exists()  # defined inside the city
    assert not tags.tags_for(city.user("district_admin_b")).filter(pk=own.pk).exists()
    with pytest.raises(DomainError, match="已有标签"):
        tags.define_tag(actor=city.user("district_admin"), name="留守儿童多")


def test_set_unit_tags_replaces_a_schools_tags(tagged: City) -> None:
    added, removed = tags.set_unit_tags(
        actor=tagged.user("district_admin"), unit=tagged.school_a, tags=[tag("地势低洼"), tag("有校车")]
    )
    assert (added, removed) == (1, 1)
    assert [t.name for t in tags.tags_of([tagged.school_a.pk])[tagged.school_a.pk]] == ["地势低洼", "有校车"]


def test_import_tags_schools_by_name(city: City) -> None:
    data = xlsx([["学校", "标签"], ["甲区第五中学", "地势低洼、寄宿制"], ["甲区实验小学", "有食堂"]])
    assert tags.import_tags(actor=city.user("district_admin"), data=data) == 3
    assert tags.tag_counts(city.user("district_admin"), city.district_a) == {
        tag("地势低洼").pk: 1,
        tag("寄宿制").pk: 1,
        tag("有食堂").pk: 1,
    }


def test_import_with_a_bad_row_imports_nothing_and_names_the_cells(city: City) -> None:
    data = xlsx([["学校", "标签"], ["甲区第五中学", "地势低洼"], ["乙区第一小学", "寄宿制"], ["甲区实验小学", "会飞"]])
    with pytest.raises(ImportRejected) as caught:
        tags.import_tags(actor=city.user("district_admin"), data=data)
    messages = [str(e) for e in caught.value.errors]
    assert messages[0].startswith("第 3 行 A 列（学校）") and "不在本单位管辖范围内" in messages[0]
    assert messages[1].startswith("第 4 行 B 列（标签）") and "会飞" in messages[1]
    assert not UnitTagging.objects.exists()


def test_picker_offers_tags_and_lists_a_tags_schools(tagged: City, django_assert_max_num_queries) -> None:
    staff = tagged.user("bureau_staff")
    options = picker.Options(root=tagged.root, kinds=(UnitKind.DISTRICT, UnitKind.SCHOOL), multiple=True, whole=True)
    choices = picker.tag_choices(staff, options)
    assert {r.tag.name: r.schools for r in choices} == {"地势低洼": 1, "寄宿制": 1, "有食堂": 1, "河流沿岸": 1}
    with django_assert_max_num_queries(6):
        found = picker.tag_schools(staff, options, str(tag("地势低洼").pk))
    assert found is not None
    assert [(r.unit.name, r.place, r.pickable) for r in found[1]] == [("甲区第五中学", "甲区教育局", True)]
    single = picker.Options(root=tagged.root, kinds=(UnitKind.SCHOOL,))
    assert picker.tag_choices(staff, single) == []


def test_picker_tag_panel_in_the_page(tagged: City, signed_in) -> None:
    client = signed_in(tagged.user("bureau_staff"))
    base = f"/orgs/picker/tree/?root={tagged.root.pk}&kinds=district,school&multiple=1&whole=1"
    html = client.get(base).content.decode()
    assert 'data-testid="picker-tags"' in html and "地势低洼 1" in html
    hits = client.get(base + f"&tag={tag('地势低洼').pk}").content.decode()
    assert "甲区第五中学" in hits and "全部选中" in hits and "甲区实验小学" not in hits
    assert client.get(base + "&tag=999999").status_code == 404
