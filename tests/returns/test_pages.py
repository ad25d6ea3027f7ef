"""Pages: role × page, out-of-scope refusals, the parents' links, the clearance form, the suspension pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from dudao.audit.models import AuditEvent
from dudao.returns import services, tokens
from dudao.returns.models import ScreeningAnswer, Suspension
from tests.returns.conftest import days, next_weekday, second_opening, today

pytestmark = pytest.mark.django_db

ALL_ROLES = [
    "bureau_leader",
    "bureau_staff",
    "inspector",
    "district_admin",
    "health_officer",
    "principal",
    "school_staff",
    "class_teacher",
    "counsellor",
    "doctor",
    "sysadmin",
    "security_officer",
    "auditor",
]
READERS = {
    "bureau_leader",
    "bureau_staff",
    "district_admin",
    "health_officer",
    "principal",
    "school_staff",
    "class_teacher",
    "counsellor",
    "doctor",
}
NAMES = {"principal", "school_staff", "class_teacher", "doctor", "health_officer"}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_index_and_round_by_role(city, signed_in, school_round, role):
    client = signed_in(city.user(role))
    expected = 200 if role in READERS else 403
    assert client.get("/returns/").status_code == expected
    # bureau and district see it from above; the class teacher from inside the round's school
    assert client.get(f"/returns/rounds/{school_round.pk}/").status_code == expected


@pytest.mark.parametrize("role", sorted(READERS))
def test_held_list_only_for_names(city, signed_in, school_round, role):
    client = signed_in(city.user(role))
    response = client.get(f"/returns/rounds/{school_round.pk}/held/")
    assert response.status_code == (200 if role in NAMES else 403)


def test_round_of_another_district_is_404(city, signed_in, school_round):
    client = signed_in(city.user("district_admin_b"))
    assert client.get(f"/returns/rounds/{school_round.pk}/").status_code == 404


def test_counts_page_shows_pending_and_held(city, signed_in, school_round):
    services.answer_by_link(
        round=school_round, student=city.students["a1"][0], data=services.AnswerIn(symptoms=["fever"])
    )
    page = signed_in(city.user("principal")).get(f"/returns/rounds/{school_round.pk}/").content.decode()
    assert 'data-testid="held">1<' in page
    assert 'data-testid="pending">4<' in page
    assert "七年级（1）班" in page


def test_class_sheet_gives_parent_links_and_logs_access(city, signed_in, school_round):
    client = signed_in(city.user("class_teacher"))
    response = client.get(f"/returns/rounds/{school_round.pk}/classes/{city.class_a1.pk}/")
    assert response.status_code == 200
    token = tokens.answer_token(school_round.pk, city.students["a1"][0].pk)
    assert token in response.content.decode()
    assert AuditEvent.objects.filter(action="view_screening").exists()
    other = client.get(f"/returns/rounds/{school_round.pk}/classes/{city.class_a2.pk}/")
    assert other.status_code == 404


def test_parent_link_answers_and_a_second_use_updates(city, school_round):
    student = city.students["a1"][0]
    url = f"/r/{tokens.answer_token(school_round.pk, student.pk)}/"
    anonymous = Client()
    page = anonymous.get(url)
    assert page.status_code == 200 and student.name[1:] in page.content.decode()
    response = anonymous.post(url, {"symptoms": ["fever"], "q0": "否"})
    assert response.status_code == 302
    done = anonymous.get(response["Location"]).content.decode()
    assert "暂缓返校" in done
    anonymous.post(url, {})
    answers = ScreeningAnswer.objects.filter(round=school_round, student=student)
    assert answers.count() == 1 and not answers.get().is_held


def test_parent_link_bad_input_shows_a_message(city, school_round):
    student = city.students["a1"][0]
    url = f"/r/{tokens.answer_token(school_round.pk, student.pk)}/"
    page = Client().post(url, {"travel_area": "北京市朝阳区"}).content.decode()
    assert "请填写离开风险地区的日期" in page
    assert not ScreeningAnswer.objects.exists()


def test_forged_or_foreign_token_is_404(city, school_round):
    assert Client().get("/r/a1-1:forged/").status_code == 404
    token = tokens.answer_token(school_round.pk, city.students["b1"][0].pk)
    assert Client().get(f"/r/{token}/").status_code == 404


def test_teacher_enters_an_answer(city, signed_in, school_round):
    student = city.students["a1"][1]
    client = signed_in(city.user("class_teacher"))
    url = f"/returns/rounds/{school_round.pk}/students/{student.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"close_contact": "on", "contact_on": today().isoformat()})
    assert response.status_code == 302
    answer = ScreeningAnswer.objects.get(student=student)
    assert answer.answered_by == "teacher" and answer.close_contact
    other = city.students["a2"][0]
    assert client.get(f"/returns/rounds/{school_round.pk}/students/{other.pk}/").status_code == 404


def test_staff_answer_themselves(city, signed_in, school_round):
    client = signed_in(city.user("counsellor"))
    response = client.post(f"/returns/rounds/{school_round.pk}/me/", {"symptoms": ["cough"]})
    assert response.status_code == 302
    assert ScreeningAnswer.objects.get(staff=city.user("counsellor")).is_held


def test_doctor_clears_from_the_held_list(city, signed_in, year):
    row = services.open_round(
        actor=city.user("principal"),
        unit=city.school_a,
        data=services.RoundIn(name="返校", return_on=days(2)),
    )
    answer = services.answer_by_link(
        round=row, student=city.students["a1"][0], data=services.AnswerIn(symptoms=["fever"])
    )
    client = signed_in(city.user("doctor"))
    page = client.get(f"/returns/rounds/{row.pk}/held/").content.decode()
    assert 'data-testid="clear-form"' in page
    client.post(f"/returns/answers/{answer.pk}/clear/", {"cleared_on": "", "certificate_no": "x"})
    answer.refresh_from_db()
    assert answer.cleared_on is None
    client.post(
        f"/returns/answers/{answer.pk}/clear/",
        {"cleared_on": today().isoformat(), "certificate_no": "市人民医院", "version": answer.version},
    )
    answer.refresh_from_db()
    assert answer.cleared_on == today()
    teacher = signed_in(city.user("class_teacher"))
    assert teacher.post(f"/returns/answers/{answer.pk}/clear/", {}).status_code == 403


def test_suspension_journey(city, signed_in, year):
    client = signed_in(city.user("principal"))
    start = next_weekday(3)
    response = client.post(
        f"/returns/suspensions/new/?unit={city.school_a.pk}",
        {
            "unit": city.class_a1.pk,
            "starts_on": start.isoformat(),
            "ends_on": (start + dt.timedelta(days=2)).isoformat(),
            "reason": "流感聚集",
            "online_plan": "按课表线上授课",
            "online_link": "https://class.example.cn/1",
            "teacher": "张老师",
        },
    )
    row = Suspension.objects.get()
    assert response["Location"] == f"/returns/suspensions/{row.pk}/"
    page = client.get(f"/returns/suspensions/{row.pk}/").content.decode()
    link = f"/s/{tokens.suspension_token(row.pk)}/"
    assert link in page
    public = Client().get(link).content.decode()
    assert "按课表线上授课" in public and "张老师" in public
    teacher = signed_in(city.user("class_teacher"))
    assert teacher.get(f"/returns/suspensions/{row.pk}/").status_code == 200
    assert teacher.post(f"/returns/suspensions/{row.pk}/lift/", {"return_on": start.isoformat()}).status_code == 403


def test_suspension_across_terms_shows_the_message(city, signed_in, year):
    client = signed_in(city.user("principal"))
    response = client.post(
        f"/returns/suspensions/new/?unit={city.school_a.pk}",
        {"unit": city.grade_a.pk, "starts_on": days(15).isoformat(), "ends_on": days(45).isoformat(), "reason": "流感"},
        follow=True,
    )
    assert "跨越了学期" in response.content.decode()
    assert not Suspension.objects.exists()


def test_arrival_plan_and_print(city, signed_in, year):
    client = signed_in(city.user("principal"))
    day = second_opening()
    client.post(
        f"/returns/arrivals/set/?unit={city.school_a.pk}",
        {
            "grade": city.grade_a.pk,
            "day": day.isoformat(),
            "arrives_from": "07:30",
            "arrives_until": "07:50",
            "gate": "东门",
        },
    )
    printed = client.get(f"/returns/arrivals/print/?unit={city.school_a.pk}&day={day.isoformat()}").content.decode()
    assert "七年级" in printed and "07:30" in printed and "东门" in printed
    teacher = signed_in(city.user("class_teacher"))
    assert "七年级" in teacher.get("/returns/arrivals/").content.decode()  # the teacher's own school
    outsider = signed_in(city.user("district_admin_b"))
    assert outsider.get(f"/returns/arrivals/print/?unit={city.school_a.pk}").status_code == 404
