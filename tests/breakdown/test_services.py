"""Services, pages, API and the command against the test city."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from dudao.audit.models import AuditEvent
from dudao.breakdown import services
from dudao.breakdown.models import Analysis, Row
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.directives.models import Directive, DirectiveStatus

CORPUS = Path(__file__).parent / "corpus"
SPEECH = (CORPUS / "02_wenming.txt").read_text("utf-8")
DOC = dt.date(2026, 6, 8)


@pytest.fixture
def analysis(city):
    return services.analyse(actor=city.user("bureau_staff"), doc_date=DOC, text=SPEECH)


def test_analyse_saves_rows_and_an_audit_event(city, analysis):
    rows = list(analysis.rows.order_by("position"))
    assert len(rows) >= 6
    first = rows[0]
    assert first.responsible == ["区县教育局"] and first.deadline_end == dt.date(2026, 6, 12)
    assert analysis.source_text[first.source_start : first.source_end].startswith("各城区")
    assert AuditEvent.objects.filter(
        action="create", object_id=str(analysis.pk), object_type__icontains="analysis"
    ).exists()


def test_analyse_refuses_binary_upload_and_saves_nothing(city):
    with pytest.raises(DomainError) as err:
        services.analyse(actor=city.user("bureau_staff"), doc_date=DOC, data=b"\x00\x01" * 100, filename="x.txt")
    assert err.value.code == "binary"
    assert not Analysis.objects.exists()


def test_role_without_permission_cannot_analyse(city):
    with pytest.raises(Forbidden):
        services.analyse(actor=city.user("principal"), doc_date=DOC, text=SPEECH)


def test_update_row_with_stale_version_is_refused(city, analysis):
    row = analysis.rows.first()
    services.update_row(
        actor=city.user("bureau_staff"), row=row, version=row.version, task="改过的任务", responsible="学校、校长"
    )
    with pytest.raises(StaleEditError):
        services.update_row(actor=city.user("bureau_staff"), row=row, version=row.version, task="再改", responsible="")
    row.refresh_from_db()
    assert row.task == "改过的任务" and row.responsible == ["学校", "校长"]


def test_update_row_refuses_reversed_dates(city, analysis):
    row = analysis.rows.first()
    with pytest.raises(DomainError) as err:
        services.update_row(
            actor=city.user("bureau_staff"),
            row=row,
            version=row.version,
            task="x",
            responsible="",
            deadline_start="2026-07-02",
            deadline_end="2026-07-01",
        )
    assert err.value.code == "deadline_order"


def test_merge_and_split_and_delete(city, analysis):
    staff = city.user("bureau_staff")
    rows = list(analysis.rows.order_by("position"))[1:3]
    merged = services.merge_rows(actor=staff, rows=rows, versions={r.pk: r.version for r in rows})
    assert merged.source_start == rows[0].source_start and merged.source_end == rows[1].source_end
    assert not Row.objects.filter(pk=rows[1].pk).exists()
    merged.refresh_from_db()
    first, second = services.split_row(actor=staff, row=merged, version=merged.version, at=rows[1].source_start)
    assert first.source_end == second.source_start == rows[1].source_start
    second.refresh_from_db()
    services.delete_row(actor=staff, row=second, version=second.version)
    assert not Row.objects.filter(pk=second.pk).exists()


def test_split_outside_the_row_is_refused(city, analysis):
    row = analysis.rows.first()
    with pytest.raises(DomainError) as err:
        services.split_row(actor=city.user("bureau_staff"), row=row, version=row.version, at=row.source_end + 5)
    assert err.value.code == "split_outside"


def test_create_drafts_makes_draft_directives_with_a_suggested_list_form_and_is_idempotent(city, analysis):
    staff = city.user("bureau_staff")
    row = analysis.rows.order_by("position").first()  # 示范点 … 名单报市委教育工委宣传部
    assert row is not None
    created = services.create_drafts(actor=staff, analysis=analysis, row_ids=[row.pk])
    assert len(created) == 1
    assert created[0].directive_id is not None
    directive = Directive.objects.get(pk=created[0].directive_id)
    assert directive.status == DirectiveStatus.DRAFT
    assert directive.deadline.date() == dt.date(2026, 6, 12)
    assert directive.target_spec == {"mode": "kind", "kind": "district"}
    assert directive.form_version is not None
    fields = directive.form_version.schema["fields"]
    assert fields[0]["type"] == "table" and "名单" in fields[0]["label"]
    assert services.create_drafts(actor=staff, analysis=analysis, row_ids=[row.pk]) == []
    assert Directive.objects.count() == 1


def test_row_with_a_draft_cannot_be_deleted(city, analysis):
    staff = city.user("bureau_staff")
    row = analysis.rows.order_by("position").first()
    services.create_drafts(actor=staff, analysis=analysis, row_ids=[row.pk])
    row.refresh_from_db()
    with pytest.raises(DomainError) as err:
        services.delete_row(actor=staff, row=row, version=row.version)
    assert err.value.code == "row_has_directive"


# ----- pages: role × page ------------------------------------------------------------------------

ALLOWED = {"bureau_leader", "bureau_staff", "district_admin"}
ROLES = [
    "bureau_leader",
    "bureau_staff",
    "district_admin",
    "inspector",
    "principal",
    "school_staff",
    "class_teacher",
    "sysadmin",
    "auditor",
]


@pytest.mark.parametrize("role", ROLES)
def test_list_page_permission_matrix(client, city, role):
    client.force_login(city.user(role))
    response = client.get(reverse("breakdown:list"))
    assert response.status_code == (200 if role in ALLOWED else 403)


@pytest.mark.parametrize(
    ("role", "status"), [("bureau_staff", 200), ("bureau_leader", 200), ("district_admin", 404), ("principal", 403)]
)
def test_detail_page_in_and_out_of_scope(client, city, analysis, role, status):
    client.force_login(city.user(role))
    assert client.get(reverse("breakdown:detail", args=[analysis.pk])).status_code == status


def test_district_cannot_edit_city_row(client, city, analysis):
    row = analysis.rows.first()
    client.force_login(city.user("district_admin"))
    response = client.post(
        reverse("breakdown:row_edit", args=[analysis.pk, row.pk]), {"task": "x", "version": row.version}
    )
    assert response.status_code == 404


def test_paste_page_creates_analysis_and_shows_table(client, city):
    client.force_login(city.user("bureau_staff"))
    response = client.post(reverse("breakdown:list"), {"doc_date": "2026-06-08", "text": SPEECH, "title": ""})
    analysis = Analysis.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("breakdown:detail", args=[analysis.pk])).content.decode()
    assert "示范点" in page and "bd-src" in page


def test_upload_of_scanned_pdf_shows_the_reason(client, city):
    client.force_login(city.user("bureau_staff"))
    with open(CORPUS / "variants" / "bad_scanned.pdf", "rb") as f:
        response = client.post(reverse("breakdown:list"), {"doc_date": "2026-06-08", "file": f}, follow=True)
    assert "扫描件" in response.content.decode()
    assert not Analysis.objects.exists()


def test_stale_edit_from_page_changes_nothing(client, city, analysis):
    row = analysis.rows.first()
    client.force_login(city.user("bureau_staff"))
    client.post(
        reverse("breakdown:row_edit", args=[analysis.pk, row.pk]),
        {"task": "新任务", "version": row.version - 1},
        follow=True,
    )
    row.refresh_from_db()
    assert row.task != "新任务"


def test_exports_are_excel_and_word(client, city, analysis):
    client.force_login(city.user("bureau_staff"))
    xlsx = client.get(reverse("breakdown:export_xlsx", args=[analysis.pk]))
    docx = client.get(reverse("breakdown:export_docx", args=[analysis.pk]))
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"
    assert docx.status_code == 200 and docx.content[:2] == b"PK"


def test_drafts_button_creates_drafts(client, city, analysis):
    row = analysis.rows.order_by("position").first()
    client.force_login(city.user("bureau_staff"))
    client.post(reverse("breakdown:rows", args=[analysis.pk]), {"action": "drafts", "rows": [row.pk]})
    row.refresh_from_db()
    assert row.directive_id is not None


# ----- API ----------------------------------------------------------------------------------------


def test_api_create_and_read(client, city):
    client.force_login(city.user("bureau_staff"))
    response = client.post(
        "/api/v1/breakdown/analyses", {"text": SPEECH, "doc_date": "2026-06-08"}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["rows"][0]["deadline"] == {"text": "本周星期五之前", "start": None, "end": "2026-06-12"}
    listed = client.get("/api/v1/breakdown/analyses").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    drafts = client.post(
        f"/api/v1/breakdown/analyses/{body['id']}/drafts",
        {"rows": [body["rows"][0]["id"]]},
        content_type="application/json",
    )
    assert drafts.status_code == 200 and drafts.json()[0]["directive"]


def test_api_empty_text_is_400_and_other_roles_403_or_404(client, city, analysis):
    client.force_login(city.user("bureau_staff"))
    response = client.post("/api/v1/breakdown/analyses", {"text": "  "}, content_type="application/json")
    assert response.status_code == 400
    client.force_login(city.user("principal"))
    assert client.get("/api/v1/breakdown/analyses").status_code == 403
    client.force_login(city.user("district_admin"))
    assert client.get(f"/api/v1/breakdown/analyses/{analysis.pk}").status_code == 404


# ----- command line -------------------------------------------------------------------------------


def _command(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "DUDAO_DEBUG": "1",
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "dudao.settings",
        "DATABASE_URL": "sqlite:////tmp/breakdown-cmd.sqlite3",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "breakdown", *args], capture_output=True, text=True, env=env, check=False
    )


def test_command_prints_rows_as_json():
    result = _command(str(CORPUS / "02_wenming.txt"), "--date", "2026-06-08")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert set(rows[0]) == {
        *("kind", "damaged", "section", "task", "responsible", "deadline", "targets", "mechanisms", "module", "source")
    }
    assert rows[0]["kind"] == "task" and rows[0]["damaged"] is False
    assert rows[0]["deadline"]["end"] == "2026-06-12"


def test_command_exits_2_on_unreadable_input():
    result = _command(str(CORPUS / "variants" / "bad_scanned.pdf"))
    assert result.returncode == 2 and "扫描件" in result.stderr


# ----- more bad input, scope of a district's own analysis, query counts, OpenAPI --------------------


def test_pasted_mojibake_is_refused(city):
    garbled = SPEECH.encode("utf-8").decode("gbk", errors="replace")
    with pytest.raises(DomainError) as err:
        services.analyse(actor=city.user("bureau_staff"), doc_date=DOC, text=garbled)
    assert err.value.code == "mojibake"


def test_upload_over_5_mb_is_refused_on_the_page(client, city):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(city.user("bureau_staff"))
    big = SimpleUploadedFile("big.txt", "各学校要做好工作。".encode() * 300_000, content_type="text/plain")
    response = client.post(reverse("breakdown:list"), {"doc_date": "2026-06-08", "file": big}, follow=True)
    assert "最大 5 MB" in response.content.decode()
    assert not Analysis.objects.exists()


def test_docx_upload_is_analysed(client, city):
    client.force_login(city.user("district_admin"))
    with open(CORPUS / "variants" / "01_kaixue.docx", "rb") as f:
        client.post(reverse("breakdown:list"), {"doc_date": "2026-08-15", "file": f})
    analysis = Analysis.objects.get()
    assert analysis.unit == city.district_a and analysis.encoding == "docx"
    assert analysis.rows.filter(deadline_end=dt.date(2026, 8, 25)).exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("district_admin", 200), ("bureau_staff", 200), ("district_admin_b", 404), ("principal", 403), ("auditor", 403)],
)
def test_district_analysis_scope(client, city, role, status):
    mine = services.analyse(actor=city.user("district_admin"), doc_date=DOC, text=SPEECH)
    client.force_login(city.user(role))
    assert client.get(reverse("breakdown:detail", args=[mine.pk])).status_code == status
    api_status = client.get(f"/api/v1/breakdown/analyses/{mine.pk}").status_code
    assert api_status == status


def test_detail_page_query_count_does_not_grow_with_rows(client, city, analysis, django_assert_max_num_queries):
    staff = city.user("bureau_staff")
    services.create_drafts(actor=staff, analysis=analysis, row_ids=list(analysis.rows.values_list("pk", flat=True)))
    client.force_login(staff)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("breakdown:detail", args=[analysis.pk])).status_code == 200


def test_openapi_lists_the_breakdown_endpoints(client, city):
    client.force_login(city.user("bureau_staff"))
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/breakdown/analyses" in paths and "/api/v1/breakdown/analyses/{analysis_id}/drafts" in paths


def test_api_patch_row_and_stale_version_is_409(client, city, analysis):
    row = analysis.rows.order_by("position").first()
    client.force_login(city.user("bureau_staff"))
    body = {"version": row.version, "task": "改写的任务", "responsible": ["学校"], "targets": ["至少打造3个示范点"]}
    response = client.patch(f"/api/v1/breakdown/rows/{row.pk}", body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["targets"] == [{"text": "至少打造3个示范点", "number": 3.0, "unit": "个"}]
    stale = client.patch(f"/api/v1/breakdown/rows/{row.pk}", body, content_type="application/json")
    assert stale.status_code == 409
    client.force_login(city.user("district_admin"))
    body["version"] = row.version + 1
    assert client.patch(f"/api/v1/breakdown/rows/{row.pk}", body, content_type="application/json").status_code == 404


def test_edit_page_rereads_targets_and_mechanisms(client, city, analysis):
    row = analysis.rows.order_by("position").first()
    client.force_login(city.user("bureau_staff"))
    client.post(
        reverse("breakdown:row_edit", args=[analysis.pk, row.pk]),
        {"task": row.task, "version": row.version, "targets": "不少于2名\n家访全覆盖", "mechanisms": "四定、销号管理"},
    )
    row.refresh_from_db()
    assert [(t["number"], t["unit"]) for t in row.targets] == [(2.0, "名"), (100.0, "%")]
    assert row.mechanisms == ["四定", "销号管理"]


def test_demo_step_saves_sample_analyses_for_city_admin(db):
    from django.core.management import call_command

    call_command("demo", "--scale", "small", verbosity=0)
    sample = Analysis.objects.get(title="创建全国文明城市推进会讲话（示例）")
    assert sample.created_by is not None and sample.created_by.username == "city.admin"
    assert sample.rows.count() >= 6
    annual = Analysis.objects.get(title__contains="含工作回顾")
    assert set(annual.rows.values_list("kind", flat=True)) >= {"task", "review"}


def test_command_refuses_files_over_5_mb(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes("各学校要做好工作。".encode() * 250_000)
    result = _command(str(big))
    assert result.returncode == 2 and "5 MB" in result.stderr


def test_command_writes_xlsx(tmp_path):
    source = tmp_path / "speech.txt"
    source.write_text(SPEECH, "utf-8")
    result = _command(str(source), "--date", "2026-06-08", "--format", "xlsx")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "speech.breakdown.xlsx").read_bytes()[:2] == b"PK"


def test_api_upload_of_a_gbk_text_and_of_a_scanned_pdf(client, city):
    client.force_login(city.user("bureau_staff"))
    with open(CORPUS / "variants" / "03_yiqing.gbk.txt", "rb") as f:
        response = client.post("/api/v1/breakdown/analyses/upload", {"file": f, "doc_date": "2026-11-10"})
    assert response.status_code == 201, response.content
    assert any(r["deadline"]["end"] == "2026-11-20" for r in response.json()["rows"])
    with open(CORPUS / "variants" / "bad_scanned.pdf", "rb") as f:
        refused = client.post("/api/v1/breakdown/analyses/upload", {"file": f})
    assert refused.status_code == 400 and "扫描件" in refused.json()["detail"]


def test_list_page_is_paginated(client, city, analysis):
    client.force_login(city.user("bureau_staff"))
    page = client.get(reverse("breakdown:list") + "?page=1").content.decode()
    assert analysis.title in page


def test_a_double_submission_returns_the_same_analysis(city):
    staff = city.user("bureau_staff")
    first = services.analyse(actor=staff, doc_date=DOC, text=SPEECH)
    again = services.analyse(actor=staff, doc_date=DOC, text=SPEECH)
    other_date = services.analyse(actor=staff, doc_date=DOC + dt.timedelta(days=1), text=SPEECH)
    assert again.pk == first.pk and other_date.pk != first.pk
    assert Analysis.objects.count() == 2


# ----- review findings: each failed before its fix ---------------------------------------------------


def test_a_small_docx_that_unpacks_to_a_huge_document_is_refused(city):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:p>" + "a" * (25 * 1024 * 1024) + "</w:p>")
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    with pytest.raises(DomainError) as err:
        services.analyse(actor=city.user("bureau_staff"), doc_date=DOC, data=data, filename="bomb.docx")
    assert err.value.code == "too_large"
    assert not Analysis.objects.exists()


def test_a_long_line_without_punctuation_parses_in_linear_time():
    import time

    from dudao.breakdown import parser

    started = time.perf_counter()
    parser.parse("各学校要" * 40000, doc_date=DOC)
    # The quadratic overlap check took minutes here; the linear one takes about a second even on a busy machine.
    assert time.perf_counter() - started < 30


@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01"])
def test_a_document_date_outside_this_century_is_refused_not_a_500(client, city, day):
    client.force_login(city.user("bureau_staff"))
    page = client.post(reverse("breakdown:list"), {"doc_date": day, "text": "各学校要在下周五前完成。"})
    assert page.status_code in (200, 400) and "2000 年至 2099 年" in page.content.decode()
    api = client.post(
        "/api/v1/breakdown/analyses",
        {"text": "各学校要在下周五前完成。", "doc_date": day},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert not Analysis.objects.exists()


def test_control_characters_never_reach_the_word_export(client, city, analysis):
    row = analysis.rows.order_by("position").first()
    services.update_row(
        actor=city.user("bureau_staff"), row=row, version=row.version, task="测试\x0b任务\x01", responsible="学校"
    )
    row.refresh_from_db()
    assert row.task == "测试任务"
    Row.objects.filter(pk=row.pk).update(task="旧数据\x0b里的控制符")  # saved before the rule existed
    client.force_login(city.user("bureau_staff"))
    response = client.get(reverse("breakdown:export_docx", args=[analysis.pk]))
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_api_patch_changes_only_the_fields_sent(client, city, analysis):
    row = analysis.rows.order_by("position").first()
    assert row.responsible and row.deadline_end
    client.force_login(city.user("bureau_staff"))
    response = client.patch(
        f"/api/v1/breakdown/rows/{row.pk}",
        {"version": row.version, "task": "只改任务"},
        content_type="application/json",
    )
    assert response.status_code == 200
    fresh = Row.objects.get(pk=row.pk)
    assert fresh.task == "只改任务"
    assert fresh.responsible == row.responsible and fresh.deadline_end == row.deadline_end


def test_a_huge_row_id_in_the_form_is_ignored_not_a_500(client, city, analysis):
    client.force_login(city.user("bureau_staff"))
    for action in ("merge", "drafts"):
        response = client.post(reverse("breakdown:rows", args=[analysis.pk]), {"action": action, "rows": ["9" * 25]})
        assert response.status_code == 302


def test_merging_rows_that_are_not_next_to_each_other_is_refused(city, analysis):
    rows = list(analysis.rows.order_by("position"))
    chosen = [rows[0], rows[3]]
    with pytest.raises(DomainError) as err:
        services.merge_rows(actor=city.user("bureau_staff"), rows=chosen, versions={})
    assert err.value.code == "merge_not_adjacent"
    assert analysis.rows.count() == len(rows)


def test_a_higher_unit_cannot_issue_drafts_from_a_district_table(city):
    district_table = services.analyse(actor=city.user("district_admin"), doc_date=DOC, text=SPEECH)
    row = district_table.rows.order_by("position").first()
    assert row is not None
    with pytest.raises(DomainError) as err:
        services.create_drafts(actor=city.user("bureau_staff"), analysis=district_table, row_ids=[row.pk])
    assert err.value.code == "wrong_issuer"
    assert not Directive.objects.exists()


def test_the_list_page_shows_a_second_page(client, city):
    from django.conf import settings as django_settings

    size = getattr(django_settings, "DUDAO_PAGE_SIZE", 50)
    staff = city.user("bureau_staff")
    for i in range(size + 1):
        Analysis.objects.create(title=f"分解表{i:03d}", unit=city.root, doc_date=DOC, source_text="x", created_by=staff)
    client.force_login(staff)
    first = client.get(reverse("breakdown:list")).content.decode()
    second = client.get(reverse("breakdown:list") + "?page=2").content.decode()
    assert first.count("分解表") >= 1 and "分解表000" in second + first
    assert ("分解表000" in second) != ("分解表000" in first)
