"""Cases (一生一案) only for those who may read them, with an access event; notices and ledger problems scoped."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from dudao.accounts.models import User
from dudao.audit.models import AuditEvent
from dudao.cases.models import CaseFile
from dudao.notices.models import Notice
from dudao.search import selectors
from tests.cases.conftest import open_psych
from tests.factories import City
from tests.inspections.factories import ledger_item

pytestmark = pytest.mark.django_db


def kinds_found(city: City, key: str, q: str) -> dict[str, list[str]]:
    return {g.kind: [h.title for h in g.hits] for g in selectors.search(city.user(key), q)}


@pytest.fixture
def case(city: City) -> CaseFile:
    return open_psych(city)


@pytest.mark.parametrize(
    ("key", "found"),
    [
        ("principal", True),
        ("counsellor", True),  # assigned
        ("class_teacher", True),  # the class teacher of class_a1, assigned by default
        ("case_officer", False),  # aggregates only, without a break-glass grant
        ("district_admin", False),
        ("bureau_leader", False),
        ("school_staff", False),
    ],
)
def test_cases_found_only_by_those_who_may_read_them(city: City, case: CaseFile, key: str, found: bool) -> None:
    name = case.student.name
    cases = kinds_found(city, key, name).get("cases", [])
    assert (cases == [f"{name} · 心理健康"]) is found


def test_case_hit_shows_no_confidential_text(city: City, case: CaseFile) -> None:
    group = next(g for g in selectors.search(city.user("principal"), case.student.name) if g.kind == "cases")
    shown = group.hits[0].title + group.hits[0].detail
    assert "辅导" not in shown and "睡眠" not in shown  # the plan stays encrypted and unread


def test_case_hits_leave_an_access_event(city: City, case: CaseFile, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("counsellor"))
    before = AuditEvent.objects.filter(action="case_search").count()
    response = client.get("/search/", {"q": case.student.name})
    assert response.status_code == 200
    assert f"/cases/{case.pk}/" in response.content.decode()
    event = AuditEvent.objects.filter(action="case_search").latest("seq")
    assert AuditEvent.objects.filter(action="case_search").count() == before + 1
    assert event.kind == "access" and event.object_id == str(case.pk)
    assert event.actor_id == city.user("counsellor").pk


def test_search_without_case_hits_writes_nothing(
    city: City, case: CaseFile, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(city.user("counsellor"))
    client.get("/search/", {"q": "没有这个人"})
    assert not AuditEvent.objects.filter(action="case_search").exists()


def test_notices_are_found_by_title_within_scope(city: City, make_notice: Callable[..., Notice]) -> None:
    make_notice(title="暑期防溺水安全告知书")
    assert kinds_found(city, "principal", "防溺水")["notices"] == ["暑期防溺水安全告知书"]
    assert kinds_found(city, "district_admin_b", "防溺水")["notices"] == []


def test_ledger_problems_are_found_within_scope(city: City) -> None:
    item = ledger_item(city)
    words = item.description[:4]
    assert kinds_found(city, "principal", words)["problems"]
    assert kinds_found(city, "district_admin_b", words)["problems"] == []
