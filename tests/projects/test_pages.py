"""Pages, export and API of 维修改造项目."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from dudao.accounts import services as accounts
from dudao.projects.models import Project, ProjectStatus
from tests.factories import City
from tests.projects.conftest import make, photo, today

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bureau_leader", 200),
        ("bureau_staff", 200),
        ("inspector", 200),
        ("district_admin", 200),
        ("principal", 200),
        ("school_staff", 200),
        ("doctor", 403),
        ("class_teacher", 403),
        ("sysadmin", 403),
    ],
)
def test_list_by_role(city, signed_in, role, status):
    assert signed_in(city.user(role)).get("/projects/").status_code == status


def test_project_of_another_district_is_404(city, signed_in):
    project = make(city)
    assert signed_in(city.user("district_admin")).get(f"/projects/{project.pk}/").status_code == 200
    other = signed_in(city.user("district_admin_b"))
    assert other.get(f"/projects/{project.pk}/").status_code == 404
    assert other.post(f"/projects/{project.pk}/start/").status_code == 404


def test_page_shows_the_filing_rule_and_refuses_to_start(city, signed_in):
    project = make(city)
    client = signed_in(city.user("principal"))
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "须登记备案/审批文号和日期后方可开工" in page
    refused = client.post(f"/projects/{project.pk}/start/", {"version": project.version}, follow=True).content.decode()
    assert "方可开工" in refused
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.PROPOSED


def test_small_project_is_flagged_for_the_simple_procedure(city, signed_in):
    client = signed_in(city.user("principal"))
    response = client.post(
        "/projects/new/",
        {"title": "围墙局部加固", "kind": "building", "estimate": "8500", "funding": "self"},
        follow=True,
    )
    assert "未达备案标准，可简易程序" in response.content.decode()
    assert Project.objects.get().estimate == 8500


def test_bad_estimate_in_the_form_is_refused(city, signed_in):
    client = signed_in(city.user("principal"))
    page = client.post(
        "/projects/new/", {"title": "x", "kind": "building", "estimate": "一万", "funding": "self"}, follow=True
    ).content.decode()
    assert "预算金额应为数字" in page and not Project.objects.exists()


def test_export_lists_the_projects(city, signed_in):
    make(city)
    response = signed_in(city.user("district_admin")).get("/projects/export.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    text = str([list(r) for r in book.active.iter_rows(values_only=True)])
    assert "教学楼屋面防水维修" in text and "未备案" in text


def test_api_filing_rule_and_idempotent_start(client, city):
    headers = auth(city, "principal")
    created = client.post(
        "/api/v1/projects",
        {"title": "消防栓更换", "kind": "fire", "estimate": "12000", "funding": "special"},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["needs_filing"] and body["flag"] == ""
    url = f"/api/v1/projects/{body['id']}/transition"
    refused = client.post(url, {"to": "building"}, content_type="application/json", **headers)
    assert refused.status_code == 400 and refused.json()["code"] == "filing_required"
    filed = client.post(
        url, {"to": "filed", "filing_number": "教基建备〔2026〕3号"}, content_type="application/json", **headers
    )
    assert filed.json()["status"] == "filed"
    first = client.post(url, {"to": "building"}, content_type="application/json", **headers).json()
    again = client.post(url, {"to": "building"}, content_type="application/json", **headers).json()
    assert first["status"] == again["status"] == "building" and first["version"] == again["version"]
    small = client.post(
        "/api/v1/projects",
        {"title": "门卫室修缮", "kind": "other", "estimate": "3000", "funding": "self"},
        content_type="application/json",
        **headers,
    ).json()
    assert small["flag"] == "未达备案标准，可简易程序"


def test_api_list_budget_photos_and_scope(client, city):
    project = make(city)
    headers = auth(city, "district_admin")
    body = client.get("/api/v1/projects?status=proposed", **headers).json()
    assert body["count"] == 1 and body["items"][0]["deadline_note"] == "秋季开学前投入使用"
    budget = {r["status"]: r for r in client.get("/api/v1/projects/budget", **headers).json()}
    assert float(budget["proposed"]["budget"]) == 85000
    assert client.get("/api/v1/projects", **auth(city, "district_admin_b")).json()["count"] == 0
    assert client.get(f"/api/v1/projects/{project.pk}", **auth(city, "district_admin_b")).status_code == 404
    assert client.get("/api/v1/projects", **auth(city, "class_teacher")).status_code == 403
    uploaded = client.post(
        f"/api/v1/projects/{project.pk}/photos", {"stage": "completion", "photos": [photo()]}, **auth(city, "principal")
    )
    assert uploaded.status_code == 201, uploaded.content
    stale = client.put(
        f"/api/v1/projects/{project.pk}",
        {"title": "x", "kind": "building", "estimate": "1", "funding": "self", "version": 99},
        content_type="application/json",
        **headers,
    )
    assert stale.status_code == 409
    assert today()
