"""Pages: create, detail with completeness, fill with autosave and tables, submit, approve, return, exports, builder."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.directives import services
from dudao.directives.models import Directive, Form, Submission, SubmissionStatus
from tests.directives.conftest import GOOD_VALUES, city_directive, in_days
from tests.factories import City

pytestmark = pytest.mark.django_db


def test_bureau_staff_issues_a_directive_from_the_page(signed_in, city: City, form_version) -> None:
    client = signed_in(city.user("bureau_staff"))
    response = client.post(
        "/directives/new/",
        {
            "title": "关于报送示范点名单的通知",
            "body": "各区于本周五前报送",
            "deadline": in_days(5).strftime("%Y-%m-%dT%H:%M"),
            "target_mode": "kind",
            "target_kind": "district",
            "form_version": form_version.pk,
            "approval_kinds": ["district"],
            "allow_late": "on",
            "recurrence": "none",
        },
    )
    directive = Directive.objects.get(title="关于报送示范点名单的通知")
    assert response.status_code == 302 and response["Location"] == f"/directives/{directive.pk}/"
    assert set(directive.targets.values_list("unit_id", flat=True)) == {city.district_a.pk, city.district_b.pk}


def test_directive_list_shows_traffic_lights(signed_in, city: City, form_version) -> None:
    city_directive(city, form_version, title="红灯通知", deadline=in_days(-1))
    city_directive(city, form_version, title="黄灯通知", deadline=in_days(2))
    city_directive(city, form_version, title="绿灯通知", deadline=in_days(9))
    html = signed_in(city.user("principal")).get("/directives/?mine=1").content.decode()
    for title, light in (("红灯通知", "red"), ("黄灯通知", "yellow"), ("绿灯通知", "green")):
        row = html[html.index(title) :].split("</tr>")[0]
        assert f'data-light="{light}"' in row


def test_principal_fills_table_rows_autosaves_and_submits(signed_in, city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    sub = Submission.objects.get(directive=directive, unit=city.school_a)
    client = signed_in(city.user("principal"))
    assert client.get(f"/submissions/{sub.pk}/").status_code == 200
    response = client.post(
        f"/submissions/{sub.pk}/save/",
        {
            "version": 1,
            "f.staff": "80",
            "t.sites.0.school": "五中",
            "t.sites.3.school": "实验小学",
            "t.sites.3.pupils": "600",
        },
        HTTP_HX_REQUEST="true",
    )
    assert "已自动保存" in response.content.decode() and 'value="2"' in response.content.decode()
    sub.refresh_from_db()
    assert [row["school"] for row in sub.values["sites"]] == ["五中", "实验小学"]
    response = client.post(
        f"/submissions/{sub.pk}/submit/",
        {"version": 2, "f.staff": "80", "f.psych_full": "2", "t.sites.0.school": "五中"},
    )
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.SUBMITTED and len(sub.values["sites"]) == 1


def test_failed_submit_keeps_the_draft_and_shows_the_error_next_to_the_field(
    signed_in, city: City, form_version
) -> None:
    sub = Submission.objects.get(directive=city_directive(city, form_version), unit=city.school_a)
    client = signed_in(city.user("principal"))
    response = client.post(
        f"/submissions/{sub.pk}/submit/", {"version": 1, "f.staff": "5", "f.psych_full": "9"}, follow=True
    )
    html = response.content.decode()
    assert "“专职心理教师数”不能大于“教职工数”" in html and 'data-testid="error-psych_full"' in html
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.DRAFT and sub.values["psych_full"] == 9


def test_stale_autosave_answers_an_error_and_changes_nothing(signed_in, city: City, form_version) -> None:
    sub = Submission.objects.get(directive=city_directive(city, form_version), unit=city.school_a)
    services.save_draft(actor=city.user("school_staff"), submission=sub, values={"staff": 50}, version=1)
    response = signed_in(city.user("principal")).post(
        f"/submissions/{sub.pk}/save/", {"version": 1, "f.staff": "80"}, HTTP_HX_REQUEST="true"
    )
    assert "已被他人修改" in response.content.decode()
    sub.refresh_from_db()
    assert sub.values["staff"] == 50


def test_district_returns_with_comment_and_school_sees_it(signed_in, city: City, form_version) -> None:
    directive = city_directive(city, form_version, approval_kinds=["district"])
    sub = services.submit(
        actor=city.user("principal"),
        submission=Submission.objects.get(directive=directive, unit=city.school_a),
        values=GOOD_VALUES,
    )
    client = signed_in(city.user("district_admin"))
    client.post(f"/submissions/{sub.pk}/return/", {"comment": "请核对教职工数"})
    client.logout()
    html = signed_in(city.user("principal")).get(f"/submissions/{sub.pk}/").content.decode()
    assert "请核对教职工数" in html and "已退回" in html


def test_bulk_approve_approves_the_checked_reports(signed_in, city: City, form_version) -> None:
    directive = city_directive(city, form_version, approval_kinds=["district"])
    subs = [Submission.objects.get(directive=directive, unit=u) for u in (city.school_a, city.school_a2)]
    for sub in subs:
        services.submit(actor=city.user("district_admin"), submission=sub, values=GOOD_VALUES)
    signed_in(city.user("district_admin")).post(
        f"/directives/{directive.pk}/bulk-approve/", {"submission": [s.pk for s in subs]}
    )
    assert {s.approvals.count() for s in subs} == {1}


def test_detail_page_shows_completeness_counts(signed_in, city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    services.submit(
        actor=city.user("principal"),
        submission=Submission.objects.get(directive=directive, unit=city.school_a),
        values=GOOD_VALUES,
    )
    html = signed_in(city.user("bureau_staff")).get(f"/directives/{directive.pk}/").content.decode()
    assert 'data-key="expected">3<' in html and 'data-key="submitted">1<' in html and 'data-key="missing">2<' in html


def test_export_has_one_row_per_unit_and_tables_on_their_own_sheet(signed_in, city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    services.submit(
        actor=city.user("principal"),
        submission=Submission.objects.get(directive=directive, unit=city.school_a),
        values=GOOD_VALUES,
    )
    response = signed_in(city.user("district_admin")).get(f"/directives/{directive.pk}/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    main, table = book.worksheets
    units = [row[0] for row in main.iter_rows(min_row=2, values_only=True)]
    assert units == ["甲区第五中学", "甲区实验小学"]  # district scope: no 乙区 school
    assert [row[:3] for row in table.iter_rows(min_row=2, values_only=True)] == [("甲区第五中学", "已报送", "五中")]


DOCX = None


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_attachments_zip_holds_the_files_of_reports_in_scope(signed_in, city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    for user, unit in (("principal", city.school_a), ("district_admin_b", city.school_b)):
        sub = Submission.objects.get(directive=directive, unit=unit)
        services.attach_to_submission(
            actor=city.user(user), submission=sub, upload=SimpleUploadedFile("方案.docx", _docx())
        )
    response = signed_in(city.user("district_admin")).get(f"/directives/{directive.pk}/attachments.zip")
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert names == ["甲区第五中学/方案.docx"]


def test_executable_renamed_docx_is_refused(signed_in, city: City, form_version) -> None:
    sub = Submission.objects.get(directive=city_directive(city, form_version), unit=city.school_a)
    upload = SimpleUploadedFile("工作方案.docx", b"MZ\x90\x00" + b"\x00" * 200)
    response = signed_in(city.user("principal")).post(f"/submissions/{sub.pk}/attach/", {"file": upload}, follow=True)
    assert "工作方案.docx" in response.content.decode() and not sub.attachments.exists()


def test_clerk_builds_a_form_with_a_table_and_a_rule_and_publishes(signed_in, city: City) -> None:
    client = signed_in(city.user("district_admin"))
    client.post("/forms/new/", {"name": "暑期值班安排表"})
    form = Form.objects.get(name="暑期值班安排表")
    client.post(
        f"/forms/{form.pk}/fields/",
        {"label": "教职工数", "key": "staff", "type": "integer", "required": "on", "min": "0", "version": 1},
    )
    client.post(f"/forms/{form.pk}/fields/", {"label": "值班人数", "key": "duty", "type": "integer", "version": 2})
    client.post(
        f"/forms/{form.pk}/fields/",
        {
            "label": "值班安排",
            "type": "table",
            "columns": "日期:日期\n带班领导:文本\n值班人数:整数",
            "max_rows": "60",
            "version": 3,
        },
    )
    client.post(f"/forms/{form.pk}/rules/", {"rule": "duty <= staff", "version": 4})
    client.post(f"/forms/{form.pk}/publish/")
    form.refresh_from_db()
    schema = form.versions.get().schema
    assert [f["key"] for f in schema["fields"]] == ["staff", "duty", "zhi_ban_an_pai"]
    assert [c["type"] for c in schema["fields"][2]["columns"]] == ["date", "text", "integer"]
    assert schema["rules"] == [{"left": "duty", "op": "<=", "right": "staff"}]


def test_cascade_with_later_deadline_shows_the_parent_deadline(signed_in, city: City, form_version) -> None:
    parent = city_directive(city, form_version, targets={"mode": "kind", "kind": "district"})
    response = signed_in(city.user("district_admin")).post(
        f"/directives/{parent.pk}/cascade/", {"deadline": in_days(12).strftime("%Y-%m-%dT%H:%M")}, follow=True
    )
    assert "不能晚于上级通知的截止时间" in response.content.decode()
    assert not Directive.objects.filter(parent=parent).exists()


def test_aggregate_page_sums_per_district(signed_in, city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    services.submit(
        actor=city.user("principal"),
        submission=Submission.objects.get(directive=directive, unit=city.school_a),
        values=GOOD_VALUES,
    )
    html = signed_in(city.user("bureau_staff")).get(f"/directives/{directive.pk}/aggregate/").content.decode()
    assert "教职工数（人）" in html and ">80<" in html


def test_home_shows_report_to_do_for_the_school(signed_in, city: City, form_version) -> None:
    city_directive(city, form_version)
    html = signed_in(city.user("principal")).get("/?view=todos").content.decode()
    assert "待报送" in html and "待签收的通知" in html


def test_hand_picked_units_can_be_saved_as_a_group_and_reused(signed_in, city: City) -> None:
    from dudao.directives.models import TargetGroup

    client = signed_in(city.user("bureau_staff"))
    base = {"body": "", "deadline": in_days(5).strftime("%Y-%m-%dT%H:%M"), "allow_late": "on", "recurrence": "none"}
    client.post(
        "/directives/new/",
        {
            **base,
            "title": "第一次",
            "target_mode": "list",
            "units": [city.school_a.pk, city.school_b.pk],
            "save_group_name": "两所重点校",
        },
    )
    group = TargetGroup.objects.get(name="两所重点校")
    client.post("/directives/new/", {**base, "title": "第二次", "target_mode": "group", "group": group.pk})
    second = Directive.objects.get(title="第二次")
    assert set(second.targets.values_list("unit_id", flat=True)) == {city.school_a.pk, city.school_b.pk}


def test_history_names_changed_fields_as_the_form_does(signed_in, city: City, form_version) -> None:
    sub = Submission.objects.get(directive=city_directive(city, form_version), unit=city.school_a)
    services.save_draft(actor=city.user("principal"), submission=sub, values={"staff": 7}, version=1)
    html = signed_in(city.user("principal")).get(f"/submissions/{sub.pk}/").content.decode()
    assert "修改：教职工数" in html


@pytest.mark.parametrize(
    "url",
    [
        "/directives/{pk}/submissions/?unit=abc&period=x&status=zzz",
        "/directives/{pk}/aggregate/?unit=1e3&period=-1",
        "/directives/{pk}/export.xlsx?period=abc",
        "/directives/?page=abc&status=nonsense",
    ],
)
def test_malformed_parameters_never_answer_500(signed_in, city: City, form_version, url: str) -> None:
    directive = city_directive(city, form_version)
    response = signed_in(city.user("bureau_staff")).get(url.format(pk=directive.pk))
    assert response.status_code in (200, 404)


def test_malformed_version_on_a_builder_post_is_not_a_500(signed_in, city: City, form_version) -> None:
    response = signed_in(city.user("bureau_staff")).post(
        f"/forms/{form_version.form_id}/rules/", {"rule": "staff >= 0", "version": "abc"}
    )
    assert response.status_code == 302


def test_district_fill_page_shows_the_schools_sum_before_saving(signed_in, city: City, form_version) -> None:
    parent = city_directive(city, form_version, targets={"mode": "kind", "kind": "district"})
    child = services.cascade_directive(actor=city.user("district_admin"), parent=parent, deadline=in_days(5))
    for unit, staff in ((city.school_a, 80), (city.school_a2, 41)):
        services.submit(
            actor=city.user("district_admin"),
            submission=Submission.objects.get(directive=child, unit=unit),
            values={**GOOD_VALUES, "staff": staff},
        )
    own = Submission.objects.get(directive=parent, unit=city.district_a)
    html = signed_in(city.user("district_admin")).get(f"/submissions/{own.pk}/").content.decode()
    assert 'value="121"' in html and "下级合计" in html
