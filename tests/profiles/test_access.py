"""Who may open which profile, on the page and through the API; bad input answers plainly and changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from dudao.accounts import services as account_services
from dudao.audit.models import AuditEvent
from tests.factories import City, UserFactory

pytestmark = pytest.mark.django_db

A, F, N = 200, 403, 404
# role → (五中 page, 乙区一小 page, 五中 API, 乙区一小 API, school list page, school list API)
EXPECTED = {
    "bureau_leader": (A, A, A, A, A, A),
    "bureau_staff": (A, A, A, A, A, A),
    "inspector": (A, A, A, A, A, A),
    "district_admin": (A, N, A, N, A, A),
    "district_admin_b": (N, A, N, A, A, A),
    # A principal's list page opens their own school (302); the API lists it.
    "principal": (A, N, A, N, 302, A),
    "school_staff": (A, N, A, N, 302, A),
    "class_teacher": (F, F, F, F, F, F),
    "counsellor": (F, F, F, F, F, F),
    "doctor": (F, F, F, F, F, F),
    "health_officer": (F, F, F, F, F, F),
    "case_officer": (F, F, F, F, F, F),
    "sysadmin": (F, F, F, F, F, F),
    "security_officer": (F, F, F, F, F, F),
    "auditor": (F, F, F, F, F, F),
}


def urls(city: City) -> list[str]:
    a, b = city.school_a.pk, city.school_b.pk
    return [
        f"/schools/{a}/",
        f"/schools/{b}/",
        f"/api/v1/schools/{a}/profile",
        f"/api/v1/schools/{b}/profile",
        "/schools/",
        "/api/v1/schools",
    ]


@pytest.mark.parametrize("role", list(EXPECTED))
def test_pages_and_api_answer_each_role_as_the_matrix_says(city: City, signed_in, role: str) -> None:
    client = signed_in(city.user(role))
    got = tuple(client.get(url).status_code for url in urls(city))
    assert got == EXPECTED[role]


@pytest.mark.parametrize("role", ["district_admin", "class_teacher"])
def test_the_api_answers_the_same_with_a_token(client: Client, city: City, role: str) -> None:
    _, token = account_services.create_token(actor=city.user(role), name="test")
    api = [u for u in urls(city) if u.startswith("/api/")]
    got = tuple(client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code for url in api)
    assert got == tuple(s for s, u in zip(EXPECTED[role], urls(city), strict=True) if u.startswith("/api/"))


def test_refusals_carry_chinese_messages(city: City, signed_in) -> None:
    client = signed_in(city.user("district_admin"))
    missing = client.get(f"/api/v1/schools/{city.school_b.pk}/profile").json()
    assert missing == {"detail": "对象不存在或不在您的管理范围内", "code": "not_found"}
    refused = signed_in(city.user("doctor")).get(f"/api/v1/schools/{city.school_a.pk}/profile").json()
    assert refused["code"] == "forbidden"
    assert "无权" in refused["detail"]


def test_anonymous_is_sent_to_login_or_told_to_authenticate(client: Client, city: City) -> None:
    page = client.get(f"/schools/{city.school_a.pk}/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert client.get(f"/api/v1/schools/{city.school_a.pk}/profile").status_code == 401


@pytest.mark.parametrize("target", ["district_a", "class_a1", "grade_a", "root", "office"])
def test_only_schools_have_a_profile(city: City, signed_in, target: str) -> None:
    client = signed_in(city.user("bureau_staff"))
    pk = getattr(city, target).pk
    assert client.get(f"/schools/{pk}/").status_code == 404
    assert client.get(f"/api/v1/schools/{pk}/profile").status_code == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/schools/999999/", 404),
        ("/schools/abc/", 404),
        ("/schools/99999999999999999999999/", 404),
        ("/api/v1/schools/999999/profile", 404),
        ("/api/v1/schools/0/profile", 400),
        ("/api/v1/schools/abc/profile", 400),
        ("/api/v1/schools/99999999999999999999999/profile", 400),
        ("/api/v1/schools?page=0", 400),
        ("/api/v1/schools?page_size=501", 400),
    ],
)
def test_bad_ids_and_paging_answer_plainly_and_write_nothing(city: City, signed_in, path: str, status: int) -> None:
    client = signed_in(city.user("bureau_staff"))
    events = AuditEvent.objects.count()
    response = client.get(path)
    assert response.status_code == status
    if path.startswith("/api/"):
        assert response.json()["code"] in {"not_found", "invalid_input"}
    assert AuditEvent.objects.count() == events


def test_the_school_list_finds_by_pinyin_initials_within_scope(city: City, signed_in) -> None:
    client = signed_in(city.user("district_admin"))
    page = client.get("/schools/").content.decode()
    assert city.school_a.name in page and city.school_a2.name in page
    assert city.school_b.name not in page
    found = client.get("/schools/?q=wz").content.decode()
    assert city.school_a.name in found and city.school_a2.name not in found
    nothing = client.get("/schools/?q=" + "不存在" * 30).content.decode()
    assert "没有名称或拼音首字母含" in nothing


def test_the_api_lists_the_schools_in_scope_paged(city: City, signed_in) -> None:
    client = signed_in(city.user("bureau_staff"))
    body = client.get("/api/v1/schools?page_size=2").json()
    assert body["count"] == 3
    assert len(body["items"]) == 2
    assert [s["name"] for s in client.get("/api/v1/schools?q=乙区").json()["items"]] == [city.school_b.name]


def test_a_principal_opens_their_own_school_from_the_menu(city: City, signed_in) -> None:
    response = signed_in(city.user("principal")).get("/schools/")
    assert response.status_code == 302
    assert response["Location"] == f"/schools/{city.school_a.pk}/"


def test_a_closed_school_keeps_its_profile(city: City, signed_in) -> None:
    city.school_a2.is_closed = True
    city.school_a2.save(update_fields=["is_closed"])
    page = signed_in(city.user("district_admin")).get(f"/schools/{city.school_a2.pk}/")
    assert page.status_code == 200
    assert "已撤销" in page.content.decode()


def test_a_person_with_two_roles_sees_what_the_acting_one_allows(city: City, signed_in) -> None:
    from tests.factories import assign

    person = UserFactory.create(unit=city.school_a)
    teacher = assign(person, "class_teacher", city.class_a1)
    principal = assign(person, "principal", city.school_a)
    client = signed_in(person)
    url = f"/api/v1/schools/{city.school_a.pk}/profile"
    assert client.get(url, HTTP_X_ACTING_ASSIGNMENT=str(teacher.pk)).status_code == 403
    assert client.get(url, HTTP_X_ACTING_ASSIGNMENT=str(principal.pk)).status_code == 200
