"""Rows that are not tasks (回顾/非任务): marked at analysis, changed by users with an audit event, left out of
exports and drafts, and exported as corpus annotations by `manage.py breakdown_corrections`."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from dudao.audit.models import AuditEvent
from dudao.breakdown import services
from dudao.breakdown.models import Analysis, Row, RowKind
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.directives.models import Directive

CORPUS = Path(__file__).parent / "corpus"
SPEECH = (CORPUS / "30_huigu_gongzuo.txt").read_text("utf-8")
DOC = dt.date(2026, 2, 26)


@pytest.fixture
def analysis(city):
    return services.analyse(actor=city.user("bureau_staff"), doc_date=DOC, text=SPEECH)


def _first(analysis: Analysis, kind: str) -> Row:
    row = analysis.rows.filter(kind=kind).order_by("position").first()
    assert row is not None, kind
    return row


def test_review_rows_are_saved_marked_and_tasks_stay_tasks(analysis):
    kinds = set(analysis.rows.values_list("kind", flat=True))
    assert kinds >= {RowKind.TASK, RowKind.REVIEW}
    task = _first(analysis, RowKind.TASK)
    assert task.responsible == ["区县教育局"]


def test_set_row_kind_changes_it_with_an_audit_event_and_a_new_version(city, analysis):
    row = _first(analysis, RowKind.TASK)
    changed = services.set_row_kind(actor=city.user("bureau_staff"), row=row, version=row.version, kind="other")
    assert (changed.kind, changed.corrected, changed.version) == ("other", True, row.version + 1)
    event = AuditEvent.objects.get(action="set_kind", object_id=str(row.pk))
    assert event.changes == {"kind": ["task", "other"]}


def test_a_double_submit_of_the_same_kind_is_harmless(city, analysis):
    row = _first(analysis, RowKind.REVIEW)
    staff = city.user("bureau_staff")
    services.set_row_kind(actor=staff, row=row, version=row.version, kind="task")
    again = services.set_row_kind(actor=staff, row=row, version=row.version, kind="task")  # the stale second click
    assert again.kind == "task" and AuditEvent.objects.filter(action="set_kind").count() == 1


def test_a_stale_kind_change_is_refused_and_changes_nothing(city, analysis):
    row = _first(analysis, RowKind.TASK)
    staff = city.user("bureau_staff")
    services.update_row(actor=staff, row=row, version=row.version, task="改过的任务", responsible="学校")
    with pytest.raises(StaleEditError):
        services.set_row_kind(actor=staff, row=row, version=row.version, kind="review")
    row.refresh_from_db()
    assert row.kind == "task"


def test_an_unknown_kind_is_refused_in_chinese(city, analysis):
    row = _first(analysis, RowKind.TASK)
    with pytest.raises(DomainError) as err:
        services.set_row_kind(actor=city.user("bureau_staff"), row=row, version=row.version, kind="maybe")
    assert "类别不正确" in err.value.message
    row.refresh_from_db()
    assert row.kind == "task" and not row.corrected


def test_a_role_without_the_permission_cannot_change_the_kind(city, analysis):
    row = _first(analysis, RowKind.TASK)
    with pytest.raises(Forbidden):
        services.set_row_kind(actor=city.user("principal"), row=row, version=row.version, kind="other")


def test_exports_leave_non_task_rows_out(client, city, analysis):
    client.force_login(city.user("bureau_staff"))
    response = client.get(reverse("breakdown:export_xlsx", args=[analysis.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    tasks = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "各县区教育局要在2026年底前" in tasks
    assert "荣获" not in tasks and "希望大家" not in tasks


def test_drafts_are_made_only_of_task_rows(city, analysis):
    staff = city.user("bureau_staff")
    task, review = _first(analysis, RowKind.TASK), _first(analysis, RowKind.REVIEW)
    created = services.create_drafts(actor=staff, analysis=analysis, row_ids=[task.pk, review.pk])
    assert [r.pk for r in created] == [task.pk]
    with pytest.raises(DomainError) as err:
        services.create_drafts(actor=staff, analysis=analysis, row_ids=[review.pk])
    assert err.value.code == "rows_not_tasks" and Directive.objects.count() == 1


def test_a_draft_names_outside_departments_as_partners(city):
    staff = city.user("bureau_staff")
    analysis = services.analyse(
        actor=staff, doc_date=DOC, text="一、县公安局要在3月底前落实护学岗机制，见警率达到100%。"
    )
    row = analysis.rows.get()
    assert row.responsible == ["公安"]
    services.create_drafts(actor=staff, analysis=analysis, row_ids=[row.pk])
    assert "协同部门（系统外，请另行函告）：公安" in Directive.objects.get().body


def test_page_hides_non_task_rows_behind_a_switch_and_changes_a_kind(client, city, analysis):
    client.force_login(city.user("bureau_staff"))
    page = client.get(reverse("breakdown:detail", args=[analysis.pk])).content.decode()
    assert "显示回顾/非任务行" in page and "bd-nontask" in page
    row = _first(analysis, RowKind.TASK)
    response = client.post(
        reverse("breakdown:row_kind", args=[analysis.pk, row.pk]),
        {"kind": "other", "version": row.version},
        follow=True,
    )
    assert "已把这一行标为“非任务”" in response.content.decode()
    row.refresh_from_db()
    assert row.kind == "other"


def test_page_kind_change_by_other_roles_is_403_or_404(client, city, analysis):
    row = _first(analysis, RowKind.TASK)
    url = reverse("breakdown:row_kind", args=[analysis.pk, row.pk])
    client.force_login(city.user("principal"))
    assert client.post(url, {"kind": "other", "version": row.version}).status_code == 403
    client.force_login(city.user("district_admin"))
    assert client.post(url, {"kind": "other", "version": row.version}).status_code == 404
    row.refresh_from_db()
    assert row.kind == "task"


def test_api_patch_kind_and_stale_409(client, city, analysis):
    row = _first(analysis, RowKind.REVIEW)
    client.force_login(city.user("bureau_staff"))
    url = f"/api/v1/breakdown/rows/{row.pk}"
    response = client.patch(url, {"version": row.version, "kind": "task"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["kind"] == "task"
    stale = client.patch(url, {"version": row.version, "kind": "other"}, content_type="application/json")
    assert stale.status_code == 409
    bad = client.patch(url, {"version": row.version + 1, "kind": "maybe"}, content_type="application/json")
    assert bad.status_code == 400 and "类别不正确" in bad.json()["detail"]
    detail = client.get(f"/api/v1/breakdown/analyses/{analysis.pk}").json()
    assert {r["kind"] for r in detail["rows"]} >= {"task", "review"}


def test_corrections_command_exports_corpus_annotations(city, analysis, tmp_path):
    staff = city.user("bureau_staff")
    review = _first(analysis, RowKind.REVIEW)
    services.set_row_kind(actor=staff, row=review, version=review.version, kind="task")
    task = _first(analysis, RowKind.TASK)
    services.update_row(actor=staff, row=task, version=task.version, task=task.task, responsible="区县教育局、财政")
    out = io.StringIO()
    call_command("breakdown_corrections", "--export", "--out", str(tmp_path), stdout=out)
    annotation = json.loads((tmp_path / f"corrections_{analysis.pk}.json").read_text("utf-8"))
    text = (tmp_path / f"corrections_{analysis.pk}.txt").read_text("utf-8")
    assert annotation["date"] == "2026-02-26"
    assert any(r["responsible"] == ["区县教育局", "财政"] for r in annotation["rows"])
    for row in annotation["rows"]:
        assert row["anchor"] in text
    assert all(a in text for a in annotation["non_tasks"])
    assert "共 1 份分解表有人工修改" in out.getvalue()


def test_corrections_command_without_corrections_says_so(db, tmp_path):
    out = io.StringIO()
    call_command("breakdown_corrections", stdout=out)
    assert "共 0 份" in out.getvalue()
