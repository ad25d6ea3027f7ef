"""Pages: the phone check form (全勤, marked students, correction), follow-up and alert forms, dashboard, supplies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from dudao.health.models import AbsenceRecord, Alert, DailyCheck, SupplyRecord
from dudao.orgs.models import Student

pytestmark = pytest.mark.django_db


def test_all_present_in_one_tap_and_twice_is_one_check(city, client: Client) -> None:
    client.force_login(city.user("class_teacher"))
    url = f"/health/check/{city.class_a1.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and city.students["a1"][0].name in page.content.decode()
    client.post(url, {"session": "morning", "all_present": "1", "token": "t1"})
    client.post(url, {"session": "morning", "all_present": "1", "token": "t2"})
    assert DailyCheck.objects.count() == 1
    assert DailyCheck.objects.get().illness_count == 0


def test_marked_students_and_bad_temperature(city, client: Client) -> None:
    client.force_login(city.user("class_teacher"))
    url = f"/health/check/{city.class_a1.pk}/"
    a, b, _ = city.students["a1"]
    bad = client.post(url, {"session": "morning", f"reason_{a.pk}": "illness", f"temp_{a.pk}": "45"}, follow=True)
    assert "34–43" in bad.content.decode()
    assert DailyCheck.objects.count() == 0
    client.post(
        url,
        {
            "session": "morning",
            f"reason_{a.pk}": "illness",
            f"sym_{a.pk}": ["fever", "cough"],
            f"temp_{a.pk}": "38.6",
            f"reason_{b.pk}": "other",
            f"sym_{b.pk}": ["fever"],
        },
    )
    check = DailyCheck.objects.get()
    assert (check.illness_count, check.other_count) == (1, 1)
    assert AbsenceRecord.objects.get(student=b).symptoms == []  # symptoms are not kept for "other"


def test_doctor_follows_up_and_works_the_alert_in_pages(city, client: Client) -> None:
    client.force_login(city.user("class_teacher"))
    url = f"/health/check/{city.class_a1.pk}/"
    post: dict[str, str | list[str]] = {"session": "morning"}
    for s in city.students["a1"]:
        post |= {f"reason_{s.pk}": "illness", f"sym_{s.pk}": ["fever", "cough"], f"temp_{s.pk}": "38.4"}
    response = client.post(url, post, follow=True)
    assert "已触发预警" in response.content.decode()
    alert = Alert.objects.get()
    client.force_login(city.user("doctor"))
    assert "今日待追因" in client.get("/").content.decode()
    detail = client.get(f"/health/alerts/{alert.pk}/").content.decode()
    assert city.students["a1"][0].name in detail and "剩余" in detail
    assert city.students["a1"][0].name in client.get("/health/followup/").content.decode()
    client.post(f"/health/alerts/{alert.pk}/acknowledge/", {"version": alert.version})
    alert.refresh_from_db()
    client.post(f"/health/alerts/{alert.pk}/report/", {"version": alert.version, "reference": "区疾控 张"})
    alert.refresh_from_db()
    assert alert.status == "reported" and alert.report_reference == "区疾控 张"
    absence = AbsenceRecord.objects.first()
    assert absence is not None
    client.post(
        f"/health/absences/{absence.pk}/followup/",
        {"version": absence.version, "guardian_contacted": "on", "diagnosis": "", "clinic": "社区医院"},
    )
    absence.refresh_from_db()
    assert absence.status == "traced" and absence.clinic == "社区医院"


def test_dashboard_and_export(city, client: Client, django_assert_max_num_queries) -> None:
    client.force_login(city.user("class_teacher"))
    client.post(f"/health/check/{city.class_a1.pk}/", {"session": "morning", "all_present": "1"})
    client.force_login(city.user("bureau_staff"))
    with django_assert_max_num_queries(25):
        page = client.get(f"/health/dashboard/?unit={city.district_a.pk}")
    assert page.status_code == 200
    assert "甲区第五中学" in page.content.decode()
    export = client.get(f"/health/dashboard/?unit={city.district_a.pk}&format=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_supplies_page_records_and_flags(city, client: Client) -> None:
    client.force_login(city.user("doctor"))
    today = timezone.localdate()
    for back in range(3):
        client.post(
            "/health/supplies/",
            {
                "kind": "mask",
                "date": (today - dt.timedelta(days=back)).isoformat(),
                "received": 0,
                "used": 140,
                "stock": 100,
            },
        )
    assert SupplyRecord.objects.count() == 3
    assert "不足 30 天" in client.get("/health/supplies/").content.decode()
    client.force_login(city.user("district_admin"))
    assert (
        client.post("/health/supplies/", {"kind": "mask", "date": today.isoformat(), "used": 1, "stock": 1}).status_code
        == 403
    )


def test_today_page_shows_late_classes_after_the_deadline(city, client: Client, settings, monkeypatch) -> None:
    from dudao.health import selectors

    monkeypatch.setattr(selectors, "is_school_day", lambda day: True)  # whatever weekday the test runs on
    settings.HEALTH_CHECK_DEADLINE = "00:00"
    client.force_login(city.user("principal"))
    body = client.get("/health/").content.decode()
    assert "table-danger" in body and 'badge text-bg-danger">逾时未检' in body
    settings.HEALTH_CHECK_DEADLINE = "23:59"
    assert "table-danger" not in client.get("/health/").content.decode()


def test_a_correction_sent_within_the_second_of_the_first_submission_is_recorded(
    city, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form's key was the clock's second: the page shown after a submission carried the key of the form just
    sent, and a quick correction was dropped as "内容相同"."""
    import re

    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    client.force_login(city.user("class_teacher"))
    url = f"/health/check/{city.class_a1.pk}/"
    a, b = city.students["a1"][:2]

    def form_token() -> str:
        match = re.search(r'name="token" value="([^"]+)"', client.get(url).content.decode())
        assert match is not None
        return match.group(1)

    def ill(student: Student) -> dict[str, str]:
        return {f"reason_{student.pk}": "illness", f"sym_{student.pk}": "fever", f"temp_{student.pk}": "38.5"}

    client.post(url, {"session": "morning", "token": form_token(), **ill(a)})
    client.post(url, {"session": "morning", "token": form_token(), **ill(a), **ill(b)})
    assert DailyCheck.objects.get().illness_count == 2
