"""/api/v1/bulletins: generate from a finished round, edit, publish to the schools, principals confirm reading."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dudao.accounts import services as accounts
from dudao.dashboard import services
from dudao.dashboard.models import Bulletin, BulletinRecipient
from dudao.inspections.models import Inspection
from tests.factories import City
from tests.inspections.factories import plan_round, submit_checklist, target_of

pytestmark = pytest.mark.django_db

ADMIN_TRIAD = ["sysadmin", "security_officer", "auditor"]


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def send(client: Client, method: str, url: str, data: dict[str, Any], headers: dict[str, Any]) -> Any:
    return getattr(client, method)(url, data, content_type="application/json", **headers)


def finished_round(city: City) -> Inspection:
    """五中 with three problems, 实验小学 with one: a finished round organised by the city."""
    inspection = plan_round(city)
    submit_checklist(city, target_of(inspection, city.school_a), fail=("1.1", "1.2", "2.1"))
    submit_checklist(city, target_of(inspection, city.school_a2), fail=("1.1",))
    inspection.refresh_from_db()
    return inspection


def draft(city: City) -> Bulletin:
    return services.generate_bulletin(actor=city.user("inspector"), inspection=finished_round(city))


def published(city: City) -> Bulletin:
    bulletin = draft(city)
    return services.publish_bulletin(actor=city.user("inspector"), bulletin=bulletin, version=bulletin.version)


def test_inspector_generates_a_bulletin_naming_schools_with_three_problems(client: Client, city: City) -> None:
    inspection = finished_round(city)
    response = send(client, "post", "/api/v1/bulletins", {"inspection": inspection.pk}, auth(city, "inspector"))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "draft" and data["threshold"] == 3 and data["inspection"] == inspection.pk
    assert data["figures"]["named"] == [{"school": "甲区第五中学", "count": 3}]
    assert data["figures"]["schools"] == 2 and data["figures"]["findings"] == 4
    assert "甲区第五中学（3 个）" in data["body"] and data["title"] == f"关于{inspection.name}情况的通报"


def test_threshold_and_title_are_taken(client: Client, city: City) -> None:
    inspection = finished_round(city)
    payload = {"inspection": inspection.pk, "threshold": 1, "title": "第一期通报"}
    data = send(client, "post", "/api/v1/bulletins", payload, auth(city, "inspector")).json()
    assert data["title"] == "第一期通报"
    assert [row["school"] for row in data["figures"]["named"]] == ["甲区第五中学", "甲区实验小学"]


def test_bulletin_on_an_unfinished_round_is_409(client: Client, city: City) -> None:
    inspection = plan_round(city)
    response = send(client, "post", "/api/v1/bulletins", {"inspection": inspection.pk}, auth(city, "inspector"))
    assert response.status_code == 409 and response.json()["code"] == "round_not_finished"
    assert "尚未结束" in response.json()["detail"]


def test_bulletins_without_token_are_401(client: Client, city: City) -> None:
    assert client.get("/api/v1/bulletins").status_code == 401


def test_principal_cannot_generate_a_bulletin(client: Client, city: City) -> None:
    inspection = finished_round(city)
    response = send(client, "post", "/api/v1/bulletins", {"inspection": inspection.pk}, auth(city, "principal"))
    assert response.status_code == 403 and not Bulletin.objects.exists()


def test_class_teacher_cannot_read_bulletins(client: Client, city: City) -> None:
    published(city)
    assert client.get("/api/v1/bulletins", **auth(city, "class_teacher")).status_code == 403


@pytest.mark.parametrize("role", ADMIN_TRIAD)
def test_admin_triad_reads_no_bulletins(client: Client, city: City, role: str) -> None:
    bulletin = published(city)
    assert client.get("/api/v1/bulletins", **auth(city, role)).status_code == 403
    assert client.get(f"/api/v1/bulletins/{bulletin.pk}", **auth(city, role)).status_code == 403


def test_round_outside_scope_is_404_for_generation(client: Client, city: City) -> None:
    inspection = finished_round(city)
    response = send(client, "post", "/api/v1/bulletins", {"inspection": inspection.pk}, auth(city, "district_admin_b"))
    assert response.status_code == 404


def test_bulletin_of_another_district_is_404(client: Client, city: City) -> None:
    bulletin = published(city)
    assert client.get(f"/api/v1/bulletins/{bulletin.pk}", **auth(city, "district_admin_b")).status_code == 404
    assert client.get("/api/v1/bulletins", **auth(city, "district_admin_b")).json()["count"] == 0


def test_draft_is_invisible_to_the_school_until_published(client: Client, city: City) -> None:
    bulletin = draft(city)
    headers = auth(city, "principal")
    assert client.get(f"/api/v1/bulletins/{bulletin.pk}", **headers).status_code == 404
    assert client.get("/api/v1/bulletins", **headers).json()["count"] == 0
    services.publish_bulletin(actor=city.user("inspector"), bulletin=bulletin, version=bulletin.version)
    data = client.get(f"/api/v1/bulletins/{bulletin.pk}", **headers).json()
    assert data["status"] == "published" and [r["school"] for r in data["recipients"]] == [city.school_a.pk]


def test_list_filters_by_status(client: Client, city: City) -> None:
    bulletin = draft(city)
    headers = auth(city, "inspector")
    assert [b["id"] for b in client.get("/api/v1/bulletins?status=draft", **headers).json()["items"]] == [bulletin.pk]
    assert client.get("/api/v1/bulletins?status=published", **headers).json()["count"] == 0


def test_inspector_edits_the_draft(client: Client, city: City) -> None:
    bulletin = draft(city)
    payload = {"title": "修改后的标题", "body": "正文", "version": bulletin.version}
    response = send(client, "put", f"/api/v1/bulletins/{bulletin.pk}", payload, auth(city, "inspector"))
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "修改后的标题" and response.json()["version"] == bulletin.version + 1


def test_editing_with_a_stale_version_is_409(client: Client, city: City) -> None:
    bulletin = draft(city)
    payload = {"title": "修改后的标题", "body": "正文", "version": bulletin.version + 1}
    response = send(client, "put", f"/api/v1/bulletins/{bulletin.pk}", payload, auth(city, "inspector"))
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    assert Bulletin.objects.get(pk=bulletin.pk).title != "修改后的标题"


def test_editing_a_published_bulletin_is_409(client: Client, city: City) -> None:
    bulletin = published(city)
    payload = {"title": "改", "body": "改", "version": bulletin.version}
    response = send(client, "put", f"/api/v1/bulletins/{bulletin.pk}", payload, auth(city, "inspector"))
    assert response.status_code == 409 and response.json()["detail"] == "通报已发布，不能再修改"


def test_publishing_sends_it_to_every_school_of_the_round(client: Client, city: City) -> None:
    bulletin = draft(city)
    path = f"/api/v1/bulletins/{bulletin.pk}/publish"
    response = send(client, "post", path, {"version": bulletin.version}, auth(city, "inspector"))
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "published" and (data["recipients_total"], data["recipients_read"]) == (2, 0)
    assert {r["school"] for r in data["recipients"]} == {city.school_a.pk, city.school_a2.pk}


def test_publishing_twice_is_409(client: Client, city: City) -> None:
    bulletin = published(city)
    path = f"/api/v1/bulletins/{bulletin.pk}/publish"
    response = send(client, "post", path, {"version": bulletin.version}, auth(city, "inspector"))
    assert response.status_code == 409 and response.json()["code"] == "already_published"


def test_principal_cannot_publish(client: Client, city: City) -> None:
    bulletin = draft(city)
    # The principal cannot even see the draft.
    path = f"/api/v1/bulletins/{bulletin.pk}/publish"
    assert send(client, "post", path, {"version": bulletin.version}, auth(city, "principal")).status_code == 404


def test_district_admin_cannot_publish_the_citys_bulletin(client: Client, city: City) -> None:
    bulletin = published(city)
    # Visible (it was sent to the district's schools) but issued by the city.
    path = f"/api/v1/bulletins/{bulletin.pk}/publish"
    assert send(client, "post", path, {"version": bulletin.version}, auth(city, "district_admin")).status_code == 403


def test_principal_confirms_reading_for_the_school(client: Client, city: City) -> None:
    bulletin = published(city)
    response = client.post(f"/api/v1/bulletins/{bulletin.pk}/confirm", **auth(city, "principal"))
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["school"] == city.school_a.pk and data["read_by"] == city.user("principal").pk
    assert data["read_at"] is not None
    counts = client.get(f"/api/v1/bulletins/{bulletin.pk}", **auth(city, "inspector")).json()
    assert (counts["recipients_total"], counts["recipients_read"]) == (2, 1)


def test_confirming_twice_keeps_the_first_reading(client: Client, city: City) -> None:
    bulletin = published(city)
    first = client.post(f"/api/v1/bulletins/{bulletin.pk}/confirm", **auth(city, "principal")).json()
    second = client.post(f"/api/v1/bulletins/{bulletin.pk}/confirm", **auth(city, "school_staff")).json()
    assert second["read_at"] == first["read_at"] and second["read_by"] == city.user("principal").pk


def test_district_admin_cannot_confirm_for_a_school(client: Client, city: City) -> None:
    bulletin = published(city)
    response = client.post(f"/api/v1/bulletins/{bulletin.pk}/confirm", **auth(city, "district_admin"))
    assert response.status_code == 403
    assert not BulletinRecipient.objects.filter(read_at__isnull=False).exists()


def test_list_takes_a_constant_number_of_queries(
    client: Client, city: City, django_assert_max_num_queries: Any
) -> None:
    inspection = finished_round(city)
    for _ in range(4):
        services.generate_bulletin(actor=city.user("inspector"), inspection=inspection)
    headers = auth(city, "inspector")
    client.get("/api/v1/me", **headers)  # token last-used stamp out of the way
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/bulletins", **headers).json()["count"] == 4
