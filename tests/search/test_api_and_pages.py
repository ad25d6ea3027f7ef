"""/search/ pages, the header's suggestions and GET /api/v1/search, per role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from dudao.accounts import services as accounts
from dudao.accounts.models import User
from dudao.audit.models import AuditEvent
from dudao.orgs.models import Student
from tests.cases.conftest import open_psych
from tests.factories import ROLE_HOLDERS, City

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def test_results_page_groups_hits_with_counts(
    city: City, zhang_san: Student, signed_in: Callable[[User], Client]
) -> None:
    page = signed_in(city.user("principal")).get("/search/", {"q": "zs"}).content.decode()
    assert 'data-kind="students"' in page and "张三" in page
    assert f"/students/{zhang_san.pk}/" in page
    assert "学生 1 条" in page


def test_more_link_opens_one_kind_paged(city: City, signed_in: Callable[[User], Client]) -> None:
    from tests.factories import student

    for _ in range(7):
        student(city.class_a1, name="王小明")
    client = signed_in(city.user("principal"))
    page = client.get("/search/", {"q": "wxm"}).content.decode()
    assert "更多学生" in page and "kind=students" in page
    listed = client.get("/search/", {"q": "wxm", "kind": "students"}).content.decode()
    assert listed.count("王小明</a>") == 7


def test_suggestions_answer_htmx_and_redirect_otherwise(
    city: City, zhang_san: Student, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(city.user("district_admin"))
    partial = client.get("/search/suggest/", {"q": "zs"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    body = partial.content.decode()
    assert "<html" not in body and "张三" in body and 'role="option"' in body
    plain = client.get("/search/suggest/", {"q": "zs"})
    assert plain.status_code == 302 and plain["Location"].startswith("/search/?q=zs")


def test_header_box_is_on_every_signed_in_page(city: City, signed_in: Callable[[User], Client]) -> None:
    page = signed_in(city.user("doctor")).get("/").content.decode()
    assert 'id="site-search-q"' in page and "/search/suggest/" in page


def test_kind_a_role_may_not_read_is_refused(city: City, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("bureau_staff"))
    assert client.get("/search/", {"q": "zs", "kind": "cases"}).status_code == 403
    assert client.get("/search/", {"q": "zs", "kind": "nonsense"}).status_code == 404


def test_role_without_searchable_kinds_is_told_so(city: City, signed_in: Callable[[User], Client]) -> None:
    page = signed_in(city.user("auditor")).get("/search/", {"q": "zs"}).content.decode()
    assert "没有可搜索的内容" in page


def test_long_or_odd_queries_never_fail(city: City, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("bureau_staff"))
    for q in ("x" * 500, "'; drop table x; --", "%_%", "\t ", "张 三", "😀"):
        assert client.get("/search/", {"q": q}).status_code == 200, q
        assert client.get("/search/suggest/", {"q": q}, HTTP_HX_REQUEST="true").status_code == 200, q


@pytest.mark.parametrize("key", sorted(ROLE_HOLDERS))
def test_api_answers_every_role_with_its_own_kinds(client: Client, city: City, zhang_san: Student, key: str) -> None:
    response = client.get("/api/v1/search", {"q": "zs"}, **auth(city, key))
    assert response.status_code == 200
    groups = {g["kind"]: g for g in response.json()["groups"]}
    readers = {"bureau_leader", "bureau_staff", "district_admin", "principal", "school_staff"}
    readers |= {"class_teacher", "counsellor", "doctor"}
    if key in readers:
        assert [h["title"] for h in groups["students"]["items"]] == ["张三"]
    elif key == "district_admin_b":  # reads students, but 张三 is in 甲区
        assert groups["students"]["items"] == []
    else:
        assert "students" not in groups


def test_api_pages_one_kind(client: Client, city: City, zhang_san: Student) -> None:
    params = {"q": "zs", "kind": "students", "page_size": "1"}
    response = client.get("/api/v1/search", params, **auth(city, "principal"))
    body = response.json()
    assert response.status_code == 200
    assert (body["count"], body["kind"], body["items"][0]["title"]) == (1, "students", "张三")
    assert body["items"][0]["url"] == f"/students/{zhang_san.pk}/"


def test_api_refuses_bad_input_in_chinese(client: Client, city: City) -> None:
    empty = client.get("/api/v1/search", {"q": "  "}, **auth(city, "principal"))
    assert (empty.status_code, empty.json()["code"]) == (400, "search_query_empty")
    assert "关键词" in empty.json()["detail"]
    unknown = client.get("/api/v1/search", {"q": "zs", "kind": "x"}, **auth(city, "principal"))
    assert (unknown.status_code, unknown.json()["code"]) == (400, "search_kind_unknown")
    forbidden = client.get("/api/v1/search", {"q": "zs", "kind": "cases"}, **auth(city, "bureau_staff"))
    assert forbidden.status_code == 403 and "个案" in forbidden.json()["detail"]
    too_big = client.get("/api/v1/search", {"q": "zs", "page_size": "9999"}, **auth(city, "principal"))
    assert too_big.status_code == 400


def test_api_case_hits_are_logged(client: Client, city: City) -> None:
    case = open_psych(city)
    response = client.get("/api/v1/search", {"q": case.student.name}, **auth(city, "counsellor"))
    cases = next(g for g in response.json()["groups"] if g["kind"] == "cases")
    assert [h["id"] for h in cases["items"]] == [case.pk]
    assert AuditEvent.objects.filter(action="case_search", object_id=str(case.pk)).count() == 1


def test_api_needs_a_token(client: Client, city: City) -> None:
    assert client.get("/api/v1/search", {"q": "zs"}).status_code == 401
