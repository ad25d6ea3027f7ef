"""The one-tap 全勤 never clears absences on record; a class teacher is told about her class's open alert;
alert evidence reads as Chinese sentences, not parameter codes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from dudao.core.errors import DomainError
from dudao.health.models import AbsenceRecord, Alert, DailyCheck
from dudao.health.services import CheckResult, submit_check
from dudao.health.templatetags.health_tags import evidence_text
from tests.health.conftest import check, fever

pytestmark = pytest.mark.django_db


def tap_all_present(city, *, key: str = "") -> CheckResult:
    return submit_check(
        actor=city.user("class_teacher"),
        klass=city.class_a1,
        date=timezone.localdate(),
        session="morning",
        absences=[],
        idempotency_key=key,
        all_present=True,
    )


def three_fevers(city) -> Alert:
    result = check(city, [fever(s.pk) for s in city.students["a1"]])
    assert result.alerts, "three feverish students of one class raise a class-cluster alert"
    return result.alerts[0]


def test_all_present_records_a_check_without_absences(city) -> None:
    result = tap_all_present(city)
    assert result.created and result.check.illness_count == 0


def test_all_present_on_a_session_with_absences_is_refused_and_changes_nothing(city) -> None:
    a = city.students["a1"][0].pk
    first = check(city, [fever(a)])
    with pytest.raises(DomainError) as refused:
        tap_all_present(city)
    assert refused.value.code == "all_present_would_clear" and refused.value.status == 409
    assert "已登记 1 名学生缺勤或不适" in refused.value.message
    assert AbsenceRecord.objects.filter(check_record=first.check).count() == 1
    first.check.refresh_from_db()
    assert first.check.illness_count == 1 and first.check.corrected_at is None


def test_all_present_with_absences_listed_is_refused(city) -> None:
    with pytest.raises(DomainError):
        submit_check(
            actor=city.user("class_teacher"),
            klass=city.class_a1,
            date=timezone.localdate(),
            session="morning",
            absences=[fever(city.students["a1"][0].pk)],
            all_present=True,
        )
    assert not DailyCheck.objects.exists()


def test_an_explicit_correction_may_still_clear_the_absences(city) -> None:
    a = city.students["a1"][0].pk
    check(city, [fever(a)])
    corrected = check(city, [])
    assert corrected.changed and corrected.check.illness_count == 0


def test_check_page_hides_all_present_once_absences_exist(city, client: Client) -> None:
    client.force_login(city.user("class_teacher"))
    url = f"/health/check/{city.class_a1.pk}/"
    assert 'data-testid="all-present"' in client.get(url).content.decode()
    check(city, [fever(city.students["a1"][0].pk)])
    page = client.get(url).content.decode()
    assert 'data-testid="all-present"' not in page
    assert "本时段已登记 1 名学生缺勤或不适" in page


def test_a_stale_all_present_post_keeps_the_absences_and_says_why(city, client: Client) -> None:
    client.force_login(city.user("class_teacher"))
    check(city, [fever(city.students["a1"][0].pk)])
    url = f"/health/check/{city.class_a1.pk}/"
    response = client.post(url, {"session": "morning", "all_present": "1", "token": "stale-tab"}, follow=True)
    assert "“全勤”不会覆盖这些记录" in response.content.decode()
    assert DailyCheck.objects.get().illness_count == 1


def test_teacher_pages_name_her_class_alert(city, client: Client) -> None:
    alert = three_fevers(city)
    client.force_login(city.user("class_teacher"))
    today = client.get("/health/").content.decode()
    assert "本班未结预警" in today and alert.title in today
    assert "0</div>未结预警" not in today
    page = client.get(f"/health/check/{city.class_a1.pk}/").content.decode()
    assert "本班有未结的疫情预警" in page and alert.title in page


def test_teacher_of_another_class_is_not_told_and_a_closed_alert_is_gone(city, client: Client) -> None:
    from dudao.health.selectors import class_alerts

    alert = three_fevers(city)
    assert list(class_alerts(city.user("class_teacher"))) == [alert]
    assert list(class_alerts(city.user("class_teacher"), klass=city.class_a2)) == []
    Alert.objects.filter(pk=alert.pk).update(status="closed")
    client.force_login(city.user("class_teacher"))
    today = client.get("/health/").content.decode()
    assert "本班有未结的疫情预警" not in today and "本班未结预警" in today


def test_school_staff_keep_the_school_count(city, client: Client) -> None:
    three_fevers(city)
    client.force_login(city.user("doctor"))
    page = client.get("/health/").content.decode()
    assert "本班未结预警" not in page and "未结预警" in page


@pytest.mark.parametrize(
    ("rule", "evidence", "expected", "absent"),
    [
        ("class_cluster", {"day": 3, "three_days": 5}, "当日 3 人，3 日内累计 5 人", "three_days"),
        (
            "disease_cluster",
            {"cases": 4, "threshold": 3, "window_days": 7, "scope": "class"},
            "本班 7 日内 4 人（预警阈值 3 人）",
            "window_days",
        ),
        (
            "statistical",
            {"c2": 3.4, "rate": 0.052, "mean": 0.011, "sd": 0.012, "ill": 26, "roster": 500, "method": "EARS C2"},
            "当日因病缺勤 26 人，应到 500 人（5.2%）",
            "roster=",
        ),
        ("notifiable", {"student": 42}, "法定传染病（含疑似）病例", "42"),
    ],
)
def test_alert_evidence_is_told_in_words(rule: str, evidence: dict[str, object], expected: str, absent: str) -> None:
    text = evidence_text(Alert(rule=rule, evidence=evidence))
    assert expected in text
    assert absent not in text and "=" not in text.replace("C2 值", "")
