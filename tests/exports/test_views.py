from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from dudao.accounts.models import User
from dudao.audit.models import AuditEvent
from dudao.exports import services
from dudao.exports.models import ExportJob, JobStatus
from tests.factories import City

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def post_start(client: Client, kind: str, **data: str) -> Any:
    return client.post("/downloads/start/", {"kind": kind, "next": "/orgs/", **data})


def test_large_export_button_starts_a_job_and_lands_in_the_download_centre(
    city: City, signed_in: Login, run_jobs: Any
) -> None:
    client = signed_in(city.user("principal"))
    response = run_jobs(lambda: post_start(client, "roster", unit=str(city.school_a.pk)))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/downloads/?job={job.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "学生名册 · 甲区第五中学" in page and "已转入后台导出" in page and "立即下载" in page
    download = client.get(f"/downloads/{job.pk}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="download_export").count() == 1


def test_small_export_button_goes_straight_to_the_download(city: City, signed_in: Login, settings: Any) -> None:
    settings.DUDAO_EXPORT_SYNC_LIMIT = 100
    client = signed_in(city.user("principal"))
    response = post_start(client, "roster", unit=str(city.school_a.pk), full="1")
    assert response.status_code == 302
    assert response["Location"] == f"/orgs/{city.school_a.pk}/students/export.xlsx?full=1"
    assert client.get(response["Location"]).status_code == 200
    assert not ExportJob.objects.exists()


def test_a_second_click_does_not_start_a_second_job(city: City, signed_in: Login) -> None:
    client = signed_in(city.user("principal"))
    post_start(client, "roster", unit=str(city.school_a.pk))
    response = post_start(client, "roster", unit=str(city.school_a.pk))
    assert ExportJob.objects.count() == 1
    assert "同样的导出正在进行" in client.get(response["Location"]).content.decode()


def test_running_job_shows_a_polling_progress_bar(city: City, signed_in: Login) -> None:
    client = signed_in(city.user("principal"))
    post_start(client, "roster", unit=str(city.school_a.pk))
    ExportJob.objects.update(status=JobStatus.RUNNING, progress=40, row_count=2)
    page = client.get("/downloads/").content.decode()
    assert 'hx-trigger="every 2s"' in page and 'aria-valuenow="40"' in page and "已写入 2 / 5 条" in page
    partial = client.get("/downloads/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="export-jobs"') and "<html" not in partial


def test_finished_list_stops_polling(city: City, signed_in: Login, run_jobs: Any) -> None:
    client = signed_in(city.user("principal"))
    run_jobs(lambda: post_start(client, "roster", unit=str(city.school_a.pk)))
    assert 'hx-trigger="every 2s"' not in client.get("/downloads/").content.decode()


def test_role_without_the_export_permission_gets_403(city: City, signed_in: Login) -> None:
    client = signed_in(city.user("sysadmin"))
    assert post_start(client, "roster", unit=str(city.school_a.pk)).status_code == 403
    assert post_start(client, "audit").status_code == 403
    assert not ExportJob.objects.exists()


def test_unit_out_of_scope_gets_404(city: City, signed_in: Login) -> None:
    client = signed_in(city.user("district_admin_b"))
    assert post_start(client, "roster", unit=str(city.school_a.pk)).status_code == 404
    assert post_start(client, "roster", unit="x" * 30).status_code == 404


def test_unknown_kind_is_a_message_and_nothing_is_started(city: City, signed_in: Login) -> None:
    client = signed_in(city.user("principal"))
    response = post_start(client, "nope")
    assert response.status_code == 302 and response["Location"] == "/orgs/"
    assert "没有名为“nope”的导出类型" in client.get("/downloads/").content.decode()
    assert not ExportJob.objects.exists()


def test_another_users_job_is_404(city: City, signed_in: Login, run_jobs: Any) -> None:
    started = run_jobs(
        lambda: services.start_export(
            actor=city.user("principal"), kind="roster", filters={"unit": str(city.school_a.pk)}
        )
    )
    client = signed_in(city.user("school_staff"))
    assert client.get(f"/downloads/{started.job.pk}/file/").status_code == 404
    assert client.post(f"/downloads/{started.job.pk}/delete/").status_code == 404
    assert "学生名册 ·" not in client.get("/downloads/").content.decode()


def test_start_needs_post(city: City, signed_in: Login) -> None:
    client = signed_in(city.user("principal"))
    assert client.get("/downloads/start/", {"kind": "roster"}).status_code == 405


def test_anonymous_is_sent_to_login(client: Client, city: City) -> None:
    response = client.get("/downloads/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_audit_job_exports_what_the_filters_select(city: City, signed_in: Login, run_jobs: Any) -> None:
    from tests.exports.conftest import sheet_rows

    services.start_export(actor=city.user("principal"), kind="roster", filters={"unit": str(city.school_a.pk)})
    client = signed_in(city.user("auditor"))
    # One event matches: below the direct-download limit, but 后台导出 (background=1) was asked for.
    run_jobs(lambda: post_start(client, "audit", action="start_export", background="1"))
    job = ExportJob.objects.get(kind="audit")
    assert job.status == JobStatus.DONE, job.error
    rows = sheet_rows(job)
    # Read at run time: the auditor's own job start is the second matching event.
    assert [row[3] for row in rows[1:]] == ["发起导出", "发起导出"]


def test_roster_page_export_buttons_post_to_the_download_centre(city: City, signed_in: Login) -> None:
    page = signed_in(city.user("principal")).get(f"/orgs/{city.school_a.pk}/students/").content.decode()
    assert 'action="/downloads/start/"' in page and 'name="full" value="1"' in page and "下载中心" in page


def test_menu_has_the_download_centre(city: City, signed_in: Login) -> None:
    page = signed_in(city.user("class_teacher")).get("/downloads/").content.decode()
    assert 'href="/downloads/"' in page and "还没有导出文件" in page


def test_home_reminds_of_files_ready(city: City, signed_in: Login, run_jobs: Any) -> None:
    client = signed_in(city.user("principal"))
    run_jobs(lambda: post_start(client, "roster", unit=str(city.school_a.pk)))
    assert "导出文件已生成" in client.get("/?view=todos").content.decode()
