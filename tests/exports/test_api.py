from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dudao.accounts import services as account_services
from dudao.exports.models import ExportJob, JobStatus
from tests.factories import City

pytestmark = pytest.mark.django_db


def bearer(city: City, key: str) -> dict[str, Any]:
    _, plain = account_services.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def post(client: Client, headers: dict[str, Any], body: dict[str, Any]) -> Any:
    return client.post("/api/v1/exports", body, content_type="application/json", **headers)


def test_start_list_and_download(client: Client, city: City, run_jobs: Any) -> None:
    headers = bearer(city, "principal")
    response = run_jobs(lambda: post(client, headers, {"kind": "roster", "unit": city.school_a.pk}))
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["kind"] == "roster" and job["filters"] == {"unit": str(city.school_a.pk)}
    listed = client.get("/api/v1/exports", **headers).json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert (item["status"], item["progress"], item["row_count"]) == ("done", 100, 5)
    assert item["file_url"] == f"/api/v1/exports/{job['id']}/file"
    download = client.get(item["file_url"], **headers)
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxml")


def test_small_exports_are_jobs_too_and_filters_may_be_nested(client: Client, city: City, settings: Any) -> None:
    settings.DUDAO_EXPORT_SYNC_LIMIT = 100
    headers = bearer(city, "principal")
    response = post(client, headers, {"kind": "roster", "filters": {"unit": city.school_a.pk, "full": True}})
    assert response.status_code == 201
    assert response.json()["filters"] == {"unit": str(city.school_a.pk), "full": "1"}
    assert response.json()["status"] == "queued"


def test_the_same_export_again_answers_the_running_job(client: Client, city: City) -> None:
    headers = bearer(city, "principal")
    first = post(client, headers, {"kind": "roster", "unit": city.school_a.pk})
    second = post(client, headers, {"kind": "roster", "unit": city.school_a.pk})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"] and ExportJob.objects.count() == 1


def test_progress_and_status_filter(client: Client, city: City) -> None:
    headers = bearer(city, "principal")
    post(client, headers, {"kind": "roster", "unit": city.school_a.pk})
    ExportJob.objects.update(status=JobStatus.RUNNING, progress=37)
    running = client.get("/api/v1/exports?status=running", **headers).json()
    assert running["count"] == 1 and running["items"][0]["progress"] == 37
    assert running["items"][0]["file_url"] is None
    assert client.get("/api/v1/exports?status=done", **headers).json()["count"] == 0
    job_id = running["items"][0]["id"]
    assert client.get(f"/api/v1/exports/{job_id}/file", **headers).status_code == 409


def test_role_without_the_permission_403(client: Client, city: City) -> None:
    response = post(client, bearer(city, "sysadmin"), {"kind": "roster", "unit": city.school_a.pk})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert post(client, bearer(city, "principal"), {"kind": "audit"}).status_code == 403


def test_unit_out_of_scope_404(client: Client, city: City) -> None:
    response = post(client, bearer(city, "district_admin_b"), {"kind": "roster", "unit": city.school_a.pk})
    assert response.status_code == 404 and "管理范围" in response.json()["detail"]


def test_bad_input_400_in_chinese(client: Client, city: City) -> None:
    headers = bearer(city, "principal")
    unknown = post(client, headers, {"kind": "nope"})
    assert unknown.status_code == 400 and "没有名为" in unknown.json()["detail"]
    assert post(client, headers, {}).status_code == 400
    empty = post(client, headers, {"kind": "ledger"})
    assert empty.status_code == 400 and "没有符合条件" in empty.json()["detail"]
    assert not ExportJob.objects.exists()


def test_another_users_job_is_404(client: Client, city: City, run_jobs: Any) -> None:
    response = run_jobs(lambda: post(client, bearer(city, "principal"), {"kind": "roster", "unit": city.school_a.pk}))
    job_id = response.json()["id"]
    other = bearer(city, "school_staff")
    assert client.get(f"/api/v1/exports/{job_id}", **other).status_code == 404
    assert client.get(f"/api/v1/exports/{job_id}/file", **other).status_code == 404
    assert client.delete(f"/api/v1/exports/{job_id}", **other).status_code == 404
    assert client.get("/api/v1/exports", **other).json()["count"] == 0


def test_owner_deletes_a_finished_export(client: Client, city: City, run_jobs: Any) -> None:
    headers = bearer(city, "principal")
    job_id = run_jobs(lambda: post(client, headers, {"kind": "roster", "unit": city.school_a.pk})).json()["id"]
    assert client.delete(f"/api/v1/exports/{job_id}", **headers).status_code == 204
    assert not ExportJob.objects.exists()


def test_anonymous_401(client: Client, city: City) -> None:
    assert client.get("/api/v1/exports").status_code == 401
