"""The 责任清单 in Excel: the downloaded list, an all-or-nothing upload with row and column errors."""

from __future__ import annotations

import io
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from dudao.audit.models import AuditEvent
from dudao.campaigns import excel
from dudao.campaigns.models import Campaign, CampaignUnit
from dudao.core.errors import Forbidden
from dudao.core.excel import ImportRejected
from tests.campaigns.conftest import line_of
from tests.factories import City, UserFactory
from tests.xlsx import workbook

pytestmark = pytest.mark.django_db

HEADER = [title for title, _, _ in excel.COLUMNS]


def _upload(rows: list[list[Any]]) -> io.BytesIO:
    return workbook(rows, header=HEADER)


def test_template_lists_the_units_and_the_people_named(city: City, campaign: Campaign) -> None:
    line = line_of(campaign, city.school_a)
    CampaignUnit.objects.filter(pk=line.pk).update(first_responsible=city.user("principal"))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(excel.template_bytes(campaign))).get_sheet_by_index(0).to_python()
    assert rows[0] == HEADER
    assert [r[0] for r in rows[1:]] == ["甲区教育局", "甲区第五中学", "乙区教育局"]
    assert rows[2][1] == city.user("principal").full_name


def test_import_fills_the_lines(city: City, campaign: Campaign) -> None:
    head = UserFactory.create(unit=city.district_b, full_name="乙区局长", username="yiqu.head")
    count = excel.import_lines(
        actor=city.user("bureau_staff"),
        campaign=campaign,
        upload=_upload(
            [
                ["甲区第五中学", city.user("principal").full_name, "", city.user("school_staff").username],
                ["乙区教育局", "乙区局长", "", ""],
            ]
        ),
        filename="list.xlsx",
    )
    assert count == 2
    assert line_of(campaign, city.school_a).first_responsible == city.user("principal")
    assert line_of(campaign, city.school_a).contact == city.user("school_staff")
    assert line_of(campaign, city.district_b).first_responsible == head
    assert AuditEvent.objects.filter(action="set_responsibility").count() == 2


def test_bad_rows_are_named_and_nothing_is_saved(city: City, campaign: Campaign) -> None:
    UserFactory.create(unit=city.school_a, full_name="重名")
    UserFactory.create(unit=city.school_a, full_name="重名")
    with pytest.raises(ImportRejected) as refused:
        excel.import_lines(
            actor=city.user("bureau_staff"),
            campaign=campaign,
            upload=_upload(
                [
                    ["甲区第五中学", city.user("principal").full_name, "重名", ""],
                    ["乙区教育局", city.user("principal").full_name, "", "查无此人"],
                    ["丙区教育局", "", "", ""],
                    ["甲区第五中学", "", "", ""],
                ]
            ),
        )
    errors = [(e.row, e.column, e.message) for e in refused.value.errors]
    assert errors == [
        (2, "C", "甲区第五中学有 2 人叫“重名”，请改填登录账号"),
        (3, "B", f"“{city.user('principal').full_name}”不是乙区教育局的人员"),
        (3, "D", "系统中没有叫“查无此人”的在岗人员"),
        (4, "A", "“丙区教育局”不在本专项工作的责任清单中"),
        (5, "A", "与第 2 行是同一单位"),
    ]
    assert "未导入任何数据" in refused.value.message
    assert not CampaignUnit.objects.filter(first_responsible__isnull=False).exists()


def test_a_foreign_header_is_refused(city: City, campaign: Campaign) -> None:
    with pytest.raises(ImportRejected) as refused:
        excel.import_lines(
            actor=city.user("bureau_staff"), campaign=campaign, upload=workbook([["x"]], header=["单位", "人"])
        )
    assert refused.value.errors[0].message == "表头与模板不一致，请使用下载的模板"


def test_only_those_who_change_the_campaign_may_import(city: City, campaign: Campaign) -> None:
    with pytest.raises(Forbidden):
        excel.import_lines(actor=city.user("district_admin"), campaign=campaign, upload=_upload([]))


def test_import_page_shows_row_and_column_errors(signed_in: Any, city: City, campaign: Campaign) -> None:
    client = signed_in(city.user("bureau_staff"))
    assert client.get(f"/campaigns/{campaign.pk}/responsibility/template.xlsx").status_code == 200
    upload = _upload([["丙区教育局", "", "", ""]])
    upload.name = "list.xlsx"
    response = client.post(f"/campaigns/{campaign.pk}/responsibility/import/", {"file": upload})
    assert response.status_code == 400
    text = response.content.decode()
    assert "第 2 行" in text and "不在本专项工作的责任清单中" in text
    assert (
        signed_in(city.user("principal")).get(f"/campaigns/{campaign.pk}/responsibility/template.xlsx").status_code
        == 403
    )
