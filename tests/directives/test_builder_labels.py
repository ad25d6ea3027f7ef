"""The form builder speaks in labels: no field codes on screen (they stay in attributes and the JSON file), totals
picked from the numeric fields, a report's history named by the form."""

from __future__ import annotations

import json
import re

import pytest

from dudao.directives import services
from dudao.directives.models import Form, Submission, SubmissionEvent
from tests.directives.conftest import STAFFING_SCHEMA, city_directive
from tests.factories import City
from tests.test_no_internal_codes import VisibleText, codes_in

pytestmark = pytest.mark.django_db


def visible(html: str) -> str:
    page = VisibleText()
    page.feed(html)
    return page.text


@pytest.fixture
def draft_form(city: City) -> Form:
    return services.create_form(actor=city.user("bureau_staff"), name="心理健康教师配备情况", schema=STAFFING_SCHEMA)


def test_builder_shows_labels_and_type_names_not_codes(signed_in, city: City, draft_form: Form) -> None:
    html = signed_in(city.user("bureau_staff")).get(f"/forms/{draft_form.pk}/").content.decode()
    text = visible(html)
    assert codes_in(text, set()) == set(), codes_in(text, set())
    assert "专职心理教师数" in text and "整数" in text and "重复表格" in text
    assert 'data-key="psych_full"' in html  # the code stays in an attribute
    assert "“专职心理教师数” 不大于 “教职工数”" in text
    assert "心理教师合计 = “专职心理教师数” + “兼职心理教师数”" in text


def test_reader_of_a_shared_form_sees_no_codes_either(signed_in, city: City, draft_form: Form) -> None:
    html = signed_in(city.user("district_admin")).get(f"/forms/{draft_form.pk}/").content.decode()
    assert codes_in(visible(html), set()) == set()


def test_total_is_added_by_ticking_fields_and_named_by_its_label(signed_in, city: City, draft_form: Form) -> None:
    client = signed_in(city.user("bureau_staff"))
    response = client.post(
        f"/forms/{draft_form.pk}/totals/",
        {"label": "专兼职合计", "part": ["psych_full", "psych_part"], "version": draft_form.version},
        follow=True,
    )
    draft_form.refresh_from_db()
    assert draft_form.draft_schema["totals"][-1] == {
        "key": "zhuan_jian_zhi_he_ji",
        "label": "专兼职合计",
        "sum": ["psych_full", "psych_part"],
    }
    assert "已添加合计项“专兼职合计”" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"label": "", "part": ["psych_full", "psych_part"]}, "请填写合计项名称"),
        ({"label": "只有一项", "part": ["psych_full"]}, "请勾选至少两个要相加的字段"),
        ({"label": "不是数字", "part": ["psych_full", "note"]}, "只能汇总本表的数值字段"),
    ],
)
def test_bad_total_is_refused_and_changes_nothing(signed_in, city: City, draft_form: Form, data, message) -> None:
    client = signed_in(city.user("bureau_staff"))
    response = client.post(f"/forms/{draft_form.pk}/totals/", {**data, "version": draft_form.version}, follow=True)
    assert message in response.content.decode()
    draft_form.refresh_from_db()
    assert len(draft_form.draft_schema["totals"]) == 1 and draft_form.version == 1


def test_stale_builder_page_is_refused(signed_in, city: City, draft_form: Form) -> None:
    client = signed_in(city.user("bureau_staff"))
    client.post(f"/forms/{draft_form.pk}/totals/", {"label": "合计一", "part": ["staff", "psych_full"], "version": 1})
    response = client.post(
        f"/forms/{draft_form.pk}/totals/",
        {"label": "合计二", "part": ["staff", "psych_part"], "version": 1},
        follow=True,
    )
    assert "已被他人修改" in response.content.decode()
    draft_form.refresh_from_db()
    assert [t["label"] for t in draft_form.draft_schema["totals"]] == ["心理教师合计", "合计一"]


def test_definition_downloads_as_a_json_file(signed_in, city: City, draft_form: Form) -> None:
    response = signed_in(city.user("district_admin")).get(f"/forms/{draft_form.pk}/schema.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["fields"][0]["key"] == "staff"


def test_definition_of_a_form_out_of_scope_is_404(signed_in, city: City) -> None:
    form = services.create_form(actor=city.user("district_admin"), name="甲区表", schema=STAFFING_SCHEMA)
    assert signed_in(city.user("district_admin_b")).get(f"/forms/{form.pk}/schema.json").status_code == 404


def test_bad_field_is_named_by_its_label(signed_in, city: City, draft_form: Form) -> None:
    client = signed_in(city.user("bureau_staff"))
    response = client.post(
        f"/forms/{draft_form.pk}/fields/", {"label": "人数", "type": "integer", "key": "Bad Key!"}, follow=True
    )
    text = visible(response.content.decode())
    assert "请检查填写内容：编码（英文）" in text and not re.search(r"\bkey\b", text)


def test_history_names_table_columns_and_the_aggregate_refresh(signed_in, city: City, form_version) -> None:
    sub = Submission.objects.get(directive=city_directive(city, form_version), unit=city.school_a)
    SubmissionEvent.objects.create(submission=sub, action="acknowledge", changes=["sites.pupils", "gone_field"])
    SubmissionEvent.objects.create(submission=sub, action="aggregate_refresh", changes=["staff"])
    html = signed_in(city.user("principal")).get(f"/submissions/{sub.pk}/").content.decode()
    text = visible(html)
    assert "示范点学校·学生数" in text and "表单中已删除的项目" in text and "按下级报送更新汇总" in text
    assert codes_in(text, {"principal"}) == set()
