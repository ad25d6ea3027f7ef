"""Who sees a case: assigned people and the school's principal; break-glass for 24 h; nobody else, ever.
Every read is logged; a case one may not see answers 404 and the attempt is logged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.models import AuditEvent
from dudao.cases import selectors, services
from dudao.cases.models import AlertKind, BreakGlassGrant, CaseAlert, CaseFile
from dudao.core.errors import DomainError, Forbidden
from tests.cases.conftest import open_psych
from tests.factories import ROLE_HOLDERS, City, UserFactory, act_as, assign

pytestmark = pytest.mark.django_db

# Holders in build_city(): the case is at school_a, class_a1; the counsellor opened it; the class teacher of
# class_a1 is assigned automatically.
SEES_CASE = {"principal", "counsellor", "class_teacher"}


@pytest.mark.parametrize("key", sorted([*ROLE_HOLDERS, "nobody"]))
def test_case_visibility_by_role(city: City, case: CaseFile, key: str) -> None:
    visible = selectors.cases_for(city.user(key)).filter(pk=case.pk).exists()
    assert visible is (key in SEES_CASE), key


def test_another_counsellor_of_the_same_school_does_not_see_it(city: City, case: CaseFile) -> None:
    other = UserFactory.create(unit=city.school_a)
    assign(other, "counsellor", city.school_a)
    assert not selectors.cases_for(other).filter(pk=case.pk).exists()


def test_another_class_teacher_of_the_same_school_does_not_see_it(city: City, case: CaseFile) -> None:
    other = UserFactory.create(unit=city.class_a2)
    assign(other, "class_teacher", city.class_a2)
    assert not selectors.cases_for(other).exists()


def test_principal_of_another_school_does_not_see_it(city: City, case: CaseFile) -> None:
    other = UserFactory.create(unit=city.school_b)
    assign(other, "principal", city.school_b)
    assert not selectors.cases_for(other).exists()


def test_assigned_counsellor_acting_in_another_role_does_not_see_it(city: City, case: CaseFile) -> None:
    counsellor = city.user("counsellor")
    extra = assign(counsellor, "school_staff", city.school_a)
    act_as(counsellor, extra)
    assert not selectors.cases_for(counsellor).exists()


def test_assigned_person_moved_to_another_school_loses_access(city: City, case: CaseFile) -> None:
    counsellor = city.user("counsellor")
    counsellor.assignments.update(unit=city.school_b)
    fresh = User.objects.get(pk=counsellor.pk)
    assert not selectors.cases_for(fresh).exists()


def break_glass(city: City, case: CaseFile, key: str = "case_officer") -> BreakGlassGrant:
    return services.break_glass(actor=city.user(key), case=case, reason="学生家长来电称孩子失联，需立即了解既往情况")


def test_case_officer_sees_a_case_only_with_a_grant(city: City, case: CaseFile) -> None:
    officer = city.user("case_officer")
    assert not selectors.cases_for(officer).exists()
    grant = break_glass(city, case)
    assert selectors.cases_for(officer).filter(pk=case.pk).exists()
    assert grant.expires_at - grant.granted_at == dt.timedelta(hours=24)


def test_grant_expires_after_24_hours(city: City, case: CaseFile) -> None:
    grant = break_glass(city, case)
    BreakGlassGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert not selectors.cases_for(city.user("case_officer")).exists()


def test_break_glass_without_a_reason_is_refused(city: City, case: CaseFile) -> None:
    for reason in ("", "   ", "太短了"):
        with pytest.raises(DomainError) as exc:
            services.break_glass(actor=city.user("case_officer"), case=case, reason=reason)
        assert exc.value.code == "reason_required"
    assert not BreakGlassGrant.objects.exists()


@pytest.mark.parametrize("key", ["counsellor", "district_admin", "bureau_leader", "security_officer", "auditor"])
def test_only_principal_and_case_officer_may_break_glass(city: City, case: CaseFile, key: str) -> None:
    with pytest.raises(Forbidden):
        break_glass(city, case, key)


def test_principal_breaks_glass_for_a_student_who_moved_in(city: City) -> None:
    case = open_psych(city)
    student = case.student
    student.klass = city.class_b1  # moved to 乙区第一小学; the file stays with the old school
    student.save(update_fields=["klass"])
    principal_b = UserFactory.create(unit=city.school_b)
    assign(principal_b, "principal", city.school_b)
    assert not selectors.cases_for(principal_b).exists()
    assert list(selectors.break_glass_candidates(principal_b, student.student_no)) == [case]
    services.break_glass(actor=principal_b, case=case, reason="新转入学生情绪异常，需要了解原学校的辅导情况")
    assert selectors.cases_for(principal_b).filter(pk=case.pk).exists()


def test_principal_cannot_break_glass_into_another_school(city: City, case: CaseFile) -> None:
    principal_b = UserFactory.create(unit=city.school_b)
    assign(principal_b, "principal", city.school_b)
    assert not selectors.break_glass_candidates(principal_b, case.student.student_no).exists()
    with pytest.raises(Forbidden):
        services.break_glass(actor=principal_b, case=case, reason="想看看别的学校的个案是怎么写的")


def test_break_glass_notifies_owners_and_security_officer(city: City, case: CaseFile) -> None:
    break_glass(city, case)
    notified = set(CaseAlert.objects.filter(kind=AlertKind.BREAK_GLASS).values_list("recipient__username", flat=True))
    assert {"counsellor", "class.teacher", "principal", "security.officer"} <= notified
    event = AuditEvent.objects.get(action="break_glass")
    # The reason is kept encrypted on the grant (shown on the access report); the audit trail holds its length only.
    grant = BreakGlassGrant.objects.get()
    assert event.kind == "access" and event.changes["reason_chars"] == len(grant.reason)
    assert "失联" not in str(event.changes) and "失联" in grant.reason


def test_case_page_read_writes_an_access_event(city: City, case: CaseFile, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("principal"))
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    event = AuditEvent.objects.filter(kind="access", action="case_read").latest("seq")
    assert event.object_id == str(case.pk) and event.actor_name == "principal"


def test_case_read_by_grant_is_marked_break_glass(
    city: City, case: CaseFile, signed_in: Callable[[User], Client]
) -> None:
    break_glass(city, case)
    client = signed_in(city.user("case_officer"))
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    assert "紧急授权" in response.content.decode()
    assert AuditEvent.objects.filter(action="case_read").latest("seq").changes["break_glass"] is True


@pytest.mark.parametrize("key", ["district_admin", "bureau_leader", "case_officer", "school_staff", "doctor"])
def test_forbidden_case_page_is_404_and_logged(
    city: City, case: CaseFile, key: str, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(city.user(key))
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == (404 if key == "case_officer" else 403)
    denied = AuditEvent.objects.filter(action="case_denied").latest("seq")
    assert denied.object_id == str(case.pk) and denied.changes["denied"] is True
    assert denied.unit_path == city.school_a.path  # the school's own report shows the attempt
    assert not AuditEvent.objects.filter(action="case_read").exists()


def test_missing_case_is_404_and_logged(city: City, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("principal"))
    assert client.get("/cases/999999/").status_code == 404
    assert AuditEvent.objects.filter(action="case_denied", object_id="999999").exists()


def test_print_and_export_are_logged_and_watermarked(
    city: City, case: CaseFile, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(city.user("counsellor"))
    page = client.get(f"/cases/{case.pk}/print/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "counsellor" in body and timezone.localtime().strftime("%Y-%m-%d") in body
    assert AuditEvent.objects.filter(action="case_print", object_id=str(case.pk)).exists()
    export = client.get("/cases/export.xlsx")
    assert export.status_code == 200
    assert AuditEvent.objects.filter(action="case_export", object_id=str(case.pk)).exists()


def test_no_named_export_above_school_level(city: City, case: CaseFile, signed_in: Callable[[User], Client]) -> None:
    for key in ("district_admin", "case_officer", "bureau_leader"):
        assert signed_in(city.user(key)).get("/cases/export.xlsx").status_code == 403


def test_readers_of_a_case_are_shown_to_its_people(
    city: City, case: CaseFile, signed_in: Callable[[User], Client]
) -> None:
    break_glass(city, case)
    signed_in(city.user("case_officer")).get(f"/cases/{case.pk}/")
    page = signed_in(city.user("class_teacher")).get(f"/cases/{case.pk}/")
    readers = page.content.decode().split('data-testid="readers"')[1]
    assert "case.officer" in readers and "紧急授权" in readers


def test_access_report_lists_break_glass_for_the_security_officer(
    city: City, case: CaseFile, signed_in: Callable[[User], Client]
) -> None:
    break_glass(city, case)
    page = signed_in(city.user("security_officer")).get("/cases/access/")
    assert page.status_code == 200
    assert "失联" in page.content.decode()
    assert signed_in(city.user("district_admin")).get("/cases/access/").status_code == 403


# role × page: 200 in scope, 403 for a role that may never use the page.
PAGES = {
    "/cases/": {"principal", "counsellor", "class_teacher", "case_officer"},
    "/cases/new/": {"principal", "counsellor"},
    "/cases/stats/": {
        "bureau_leader",
        "bureau_staff",
        "district_admin",
        "district_admin_b",
        "case_officer",
        "principal",
    },
    "/cases/visits/": {"principal", "school_staff", "class_teacher"},
    "/cases/visits/coverage/": {
        "bureau_leader",
        "bureau_staff",
        "district_admin",
        "district_admin_b",
        "case_officer",
        "principal",
        "school_staff",
    },
    "/cases/staffing/": {
        "bureau_leader",
        "bureau_staff",
        "district_admin",
        "district_admin_b",
        "case_officer",
        "principal",
        "school_staff",
    },
    "/cases/access/": {"security_officer", "case_officer", "principal"},
    "/cases/break-glass/": {"principal", "case_officer"},
    "/cases/screening/": {"principal", "counsellor"},
}
REDIRECTS = {
    ("/cases/", "bureau_leader"),
    ("/cases/", "bureau_staff"),
    ("/cases/", "district_admin"),
    ("/cases/", "district_admin_b"),
}


@pytest.mark.parametrize("url", sorted(PAGES))
def test_page_matrix(city: City, case: CaseFile, url: str, signed_in: Callable[[User], Client]) -> None:
    for key in ROLE_HOLDERS:
        client = signed_in(city.user(key))
        response = client.get(url)
        if (url, key) in REDIRECTS:
            assert response.status_code == 302, (url, key)
            continue
        expected = 200 if key in PAGES[url] else 403
        assert response.status_code == expected, (url, key, response.status_code)


def test_district_user_sees_only_aggregates(city: City, case: CaseFile, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("district_admin"))
    page = client.get("/cases/stats/").content.decode()
    assert case.student.name not in page
    assert "甲区第五中学" in page
    assert 'data-testid="total-open">1<' in page
    other = signed_in(city.user("district_admin_b")).get("/cases/stats/").content.decode()
    assert 'data-testid="total-open">0<' in other


def test_stats_for_a_unit_outside_scope_is_404(city: City, case: CaseFile, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("district_admin"))
    assert client.get(f"/cases/stats/?unit={city.school_b.pk}").status_code == 404
    assert client.get(f"/cases/stats/?unit={city.school_a.pk}").status_code == 200


def test_list_shows_only_visible_cases_and_logs_them(city: City, signed_in: Callable[[User], Client]) -> None:
    mine = open_psych(city, 0)
    theirs = services.open_case(
        actor=city.user("principal"),
        student=city.students["a2"][0],
        kind="psych",
        source="parent",
        counsellor=city.user("principal"),
    )
    page = signed_in(city.user("counsellor")).get("/cases/").content.decode()
    assert mine.student.name in page and theirs.student.name not in page
    assert AuditEvent.objects.filter(action="case_list", object_id=str(mine.pk)).exists()
    assert not AuditEvent.objects.filter(action="case_list", object_id=str(theirs.pk)).exists()


def test_case_list_page_has_no_n_plus_one(city: City, signed_in: Callable[[User], Client]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(city.user("counsellor"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/cases/").status_code == 200
        return len(captured.captured_queries)

    open_psych(city, 0)
    client.get("/cases/")  # warm the session
    one = queries()
    for index in (1, 2):
        open_psych(city, index)
    for index in range(2):
        services.open_case(
            actor=city.user("counsellor"), student=city.students["a2"][index], kind="psych", source="self"
        )
    assert queries() == one


def test_absurd_case_id_is_404_not_500(city: City, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("principal"))
    assert client.get("/cases/99999999999999999999999/").status_code == 404
