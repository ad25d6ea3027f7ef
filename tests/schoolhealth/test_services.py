"""Recording doses: the order of doses, dates, duplicates, contraindications, scope; targets; the health room."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.schoolhealth import services
from dudao.schoolhealth.models import DisinfectionLog, HealthStaff, VaccinationRecord, VaccineTarget
from dudao.schoolhealth.services import DoseInput, DoseRejected
from tests.schoolhealth.conftest import days_ago, dose

pytestmark = pytest.mark.django_db


def test_full_course_completes_on_the_last_dose_and_is_audited(city):
    pupil = city.students["a1"][0]
    first = dose(city, pupil, "mmr", 1, days_ago(400))
    second = dose(city, pupil, "mmr", 2, days_ago(100))
    assert (first.completes_course, second.completes_course) == (False, True)
    assert second.unit == pupil.klass
    assert AuditEvent.objects.filter(action="record_vaccinations").count() == 2


@pytest.mark.parametrize(
    ("number", "day", "message"),
    [
        (2, days_ago(10), "尚无麻腮风第 1 剂记录"),
        (3, days_ago(10), "全程为 2 剂"),
        (1, days_ago(-1), "不能晚于今天"),
        (1, dt.date(2000, 1, 1), "早于"),
        (1, None, "请填写接种日期"),
    ],
)
def test_bad_doses_are_refused_with_a_chinese_message_and_nothing_saved(city, number, day, message):
    pupil = city.students["a1"][0]
    with pytest.raises(DoseRejected) as refused:
        services.record_doses(
            actor=city.user("doctor"),
            inputs=[DoseInput(vaccine="mmr", dose_number=number, date=day, student=pupil)],
        )
    assert message in refused.value.problems[0].message
    assert not VaccinationRecord.objects.exists()


def test_second_dose_dated_before_the_first_is_refused(city):
    pupil = city.students["a1"][0]
    dose(city, pupil, "mmr", 1, days_ago(100))
    with pytest.raises(DoseRejected, match="早于第 1 剂"):
        dose(city, pupil, "mmr", 2, days_ago(200))
    assert VaccinationRecord.objects.count() == 1


def test_a_duplicate_dose_with_another_date_is_refused_the_same_one_is_a_harmless_repeat(city):
    pupil = city.students["a1"][0]
    dose(city, pupil, "flu", 1, days_ago(5))
    with pytest.raises(DoseRejected, match="已登记"):
        dose(city, pupil, "flu", 1, days_ago(6))
    again = services.record_doses(
        actor=city.user("doctor"), inputs=[DoseInput(vaccine="flu", dose_number=1, date=days_ago(5), student=pupil)]
    )
    assert again == []
    assert VaccinationRecord.objects.count() == 1


def test_doses_in_one_batch_may_build_on_each_other_in_any_row_order(city):
    pupil = city.students["a1"][0]
    created = services.record_doses(
        actor=city.user("doctor"),
        inputs=[
            DoseInput(vaccine="mmr", dose_number=2, date=days_ago(10), student=pupil),
            DoseInput(vaccine="mmr", dose_number=1, date=days_ago(300), student=pupil),
        ],
    )
    assert len(created) == 2


def test_contraindication_needs_a_reason_and_is_recorded_once(city):
    pupil = city.students["a1"][1]
    with pytest.raises(DoseRejected, match="原因"):
        services.record_doses(
            actor=city.user("doctor"), inputs=[DoseInput(vaccine="flu", dose_number=None, date=None, student=pupil)]
        )
    contra = DoseInput(vaccine="flu", dose_number=None, date=None, contraindication="鸡蛋过敏", student=pupil)
    services.record_doses(actor=city.user("doctor"), inputs=[contra])
    with pytest.raises(DoseRejected, match="禁忌证已登记"):
        services.record_doses(actor=city.user("doctor"), inputs=[contra])


def test_unknown_vaccine_is_refused(city):
    with pytest.raises(DoseRejected, match="疫苗目录"):
        dose(city, city.students["a1"][0], "smallpox", 1, days_ago(3))


def test_class_teacher_records_only_their_class(city):
    teacher = city.user("class_teacher")
    own, other = city.students["a1"][0], city.students["a2"][0]
    services.record_doses(
        actor=teacher, inputs=[DoseInput(vaccine="flu", dose_number=1, date=days_ago(1), student=own)]
    )
    with pytest.raises(Forbidden):
        services.record_doses(
            actor=teacher, inputs=[DoseInput(vaccine="flu", dose_number=1, date=days_ago(1), student=other)]
        )
    with pytest.raises(Forbidden):  # a school in another district
        dose(city, city.students["b1"][0], "flu", 1, days_ago(1))


def test_staff_doses_belong_to_the_school(city):
    nurse = city.user("counsellor")
    created = services.record_doses(
        actor=city.user("doctor"),
        inputs=[DoseInput(vaccine="flu", dose_number=1, date=days_ago(2), staff=nurse, school=city.school_a)],
    )
    assert created[0].unit == city.school_a and created[0].completes_course


def test_targets_are_set_by_the_bureau_only_with_a_version(city):
    target = services.set_target(actor=city.user("bureau_leader"), vaccine="flu", rate=Decimal("70"))
    assert target.rate == Decimal("70")
    with pytest.raises(StaleEditError):
        services.set_target(actor=city.user("bureau_leader"), vaccine="flu", rate=Decimal("75"), version=99)
    with pytest.raises(Forbidden):  # a district's health officer
        services.set_target(actor=city.user("health_officer"), vaccine="flu", rate=Decimal("75"))
    with pytest.raises(DomainError, match="0–100"):
        services.set_target(actor=city.user("bureau_leader"), vaccine="flu", rate=Decimal("120"))
    assert VaccineTarget.objects.get().rate == Decimal("70")


def test_room_staff_and_disinfection_log(city):
    doctor = city.user("doctor")
    with pytest.raises(DomainError, match="许可证号"):
        services.save_room(actor=doctor, school=city.school_a, kind="clinic", licence_no="", licence_expires=None)
    room = services.save_room(
        actor=doctor, school=city.school_a, kind="clinic", licence_no="PDY123", licence_expires=days_ago(-300)
    )
    with pytest.raises(StaleEditError):
        services.save_room(
            actor=doctor, school=city.school_a, kind="care_room", licence_no="", licence_expires=None, version=0
        )
    services.save_room(
        actor=doctor, school=city.school_a, kind="care_room", licence_no="", licence_expires=None, version=room.version
    )
    services.add_staff(actor=doctor, school=city.school_a, name="王芳", post="doctor")
    services.add_staff(actor=doctor, school=city.school_a, name="王芳", post="doctor")  # double submit
    assert HealthStaff.objects.count() == 1
    for _ in range(2):
        services.log_disinfection(
            actor=doctor, school=city.school_a, date=days_ago(0), place="教室", method="chlorine", person="李华"
        )
    assert DisinfectionLog.objects.count() == 1
    with pytest.raises(DomainError, match="晚于今天"):
        services.log_disinfection(
            actor=doctor, school=city.school_a, date=days_ago(-1), place="教室", method="uv", person="李华"
        )
    with pytest.raises(Forbidden):
        services.log_disinfection(
            actor=doctor, school=city.school_b, date=days_ago(0), place="教室", method="uv", person="李华"
        )
