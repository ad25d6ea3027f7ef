"""/api/v1/briefings: generate (202, then poll), list (paged, scoped), edit, publish once, confirm, .docx."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from docx import Document

from dudao.accounts import services as accounts
from dudao.briefings.models import Briefing, BriefingRecipient
from tests.factories import City

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def send(client: Client, method: str, url: str, data: dict[str, Any], headers: dict[str, Any]) -> Any:
    return getattr(client, method)(url, data, content_type="application/json", **headers)


def test_generate_answers_202_and_the_briefing_is_then_ready(client, city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, "post", "/api/v1/briefings", {}, auth(city, "bureau_staff"))
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "generating"
    detail = client.get(f"/api/v1/briefings/{response.json()['id']}", **auth(city, "bureau_staff")).json()
    assert detail["status"] == "draft" and detail["progress"] == 100
    assert detail["sections"][0]["heading"] == "一、总体情况"
    assert detail["figures"]["scope"]["schools"] == 3


@pytest.mark.parametrize("role", ["principal", "inspector", "class_teacher", "sysadmin", "auditor"])
def test_roles_without_the_permission_get_403(client, city, role):
    response = send(client, "post", "/api/v1/briefings", {}, auth(city, role))
    assert response.status_code == 403
    assert set(response.json()) >= {"detail", "code"}
    assert not Briefing.objects.exists()


def test_list_is_paged_and_scoped(client, city, make_briefing):
    make_briefing(unit=city.district_a, actor=city.user("district_admin"))
    make_briefing()
    city_list = client.get("/api/v1/briefings?page_size=1", **auth(city, "bureau_staff")).json()
    assert city_list["count"] == 2 and len(city_list["items"]) == 1
    other = client.get("/api/v1/briefings", **auth(city, "district_admin_b")).json()
    assert other == {"items": [], "count": 0}
    assert client.get("/api/v1/briefings", **auth(city, "doctor")).status_code == 403
    assert client.get("/api/v1/briefings?page_size=501", **auth(city, "bureau_staff")).status_code == 400
    by_district = client.get(f"/api/v1/briefings?unit={city.district_a.pk}", **auth(city, "bureau_staff")).json()
    assert [b["unit_name"] for b in by_district["items"]] == ["甲区教育局"]
    outside = client.get(f"/api/v1/briefings?unit={city.district_a.pk}", **auth(city, "district_admin_b"))
    assert outside.status_code == 404


def test_out_of_scope_briefing_is_404(client, city, make_briefing):
    briefing = make_briefing(unit=city.district_a, actor=city.user("district_admin"))
    for url in (f"/api/v1/briefings/{briefing.pk}", f"/api/v1/briefings/{briefing.pk}/document"):
        assert client.get(url, **auth(city, "district_admin_b")).status_code == 404


def test_edit_stale_version_is_409_and_nothing_changes(client, city, make_briefing):
    briefing = make_briefing()
    headers = auth(city, "bureau_staff")
    body = {"title": "新标题", "sections": [{"heading": "一、总体情况", "text": "平稳。"}], "version": briefing.version}
    ok = send(client, "put", f"/api/v1/briefings/{briefing.pk}", body, headers)
    assert ok.status_code == 200 and ok.json()["title"] == "新标题"
    stale = send(client, "put", f"/api/v1/briefings/{briefing.pk}", {**body, "title": "旧"}, headers)
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert Briefing.objects.get(pk=briefing.pk).title == "新标题"


def test_edit_with_empty_text_is_400(client, city, make_briefing):
    briefing = make_briefing()
    body = {"title": "标题", "sections": [{"heading": "一、", "text": " "}], "version": briefing.version}
    response = send(client, "put", f"/api/v1/briefings/{briefing.pk}", body, auth(city, "bureau_staff"))
    assert response.status_code == 400 and response.json()["detail"] == "正文不能为空"


def test_publish_once_then_409(client, city, make_briefing):
    briefing = make_briefing()
    headers = auth(city, "bureau_staff")
    first = send(client, "post", f"/api/v1/briefings/{briefing.pk}/publish", {"version": briefing.version}, headers)
    assert first.status_code == 200 and first.json()["number"].startswith("测教督〔")
    assert first.json()["recipients_total"] == 5
    again = send(
        client, "post", f"/api/v1/briefings/{briefing.pk}/publish", {"version": first.json()["version"]}, headers
    )
    assert again.status_code == 409 and again.json()["code"] == "already_published"
    assert "不能重复发布" in again.json()["detail"]


def test_principal_confirms_and_an_issuer_cannot(client, city, make_briefing):
    briefing = make_briefing(publish=True)
    response = send(client, "post", f"/api/v1/briefings/{briefing.pk}/confirm", {}, auth(city, "principal"))
    assert response.status_code == 200 and response.json()["unit_name"] == "甲区第五中学"
    assert BriefingRecipient.objects.get(briefing=briefing, unit=city.school_a).read_at is not None
    refused = send(client, "post", f"/api/v1/briefings/{briefing.pk}/confirm", {}, auth(city, "bureau_staff"))
    assert refused.status_code == 403


def test_document_is_a_docx_with_number_title_and_imprint(client, city, make_briefing):
    briefing = make_briefing(publish=True)
    response = client.get(f"/api/v1/briefings/{briefing.pk}/document", **auth(city, "district_admin"))
    assert response.status_code == 200
    texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert briefing.number_text in texts and briefing.title in texts
    assert texts[-1].endswith("印发")
    assert not any(t.startswith("抄送：") for t in texts)  # the test city configured no 抄送


def test_document_of_a_briefing_still_generating_is_409(client, city):
    from dudao.briefings import services

    briefing = services.request_briefing(actor=city.user("bureau_staff"), unit=city.root, queue=False)
    response = client.get(f"/api/v1/briefings/{briefing.pk}/document", **auth(city, "bureau_staff"))
    assert response.status_code == 409 and response.json()["detail"] == "通报尚未生成完成，不能下载"
