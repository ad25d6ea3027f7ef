"""Coverage from the roster: once per student and vaccine, enrolled only, contraindications apart; the indicator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.core import indicators as registry
from dudao.orgs.models import StudentStatus
from dudao.schoolhealth import selectors, services
from dudao.schoolhealth.services import DoseInput
from tests.schoolhealth.conftest import days_ago, dose

pytestmark = pytest.mark.django_db


def test_coverage_counts_each_student_once_and_never_exceeds_enrolment(city):
    a1 = city.students["a1"]  # 3 students
    for pupil in a1:
        dose(city, pupil, "mmr", 1, days_ago(400))
        dose(city, pupil, "mmr", 2, days_ago(200))
    # A student who left keeps the record but leaves the figure.
    a1[2].status = StudentStatus.LEFT
    a1[2].save()
    services.record_doses(
        actor=city.user("doctor"),
        inputs=[
            DoseInput(
                vaccine="mmr", dose_number=None, date=None, contraindication="过敏", student=city.students["a2"][0]
            )
        ],
    )
    figures = selectors.coverage([city.class_a1, city.school_a, city.district_a, city.root], ["mmr"])
    assert figures[city.class_a1.pk].enrolled == 2
    assert figures[city.class_a1.pk].counts["mmr"] == (2, 0)
    assert figures[city.class_a1.pk].rate("mmr") == 100.0
    assert figures[city.school_a.pk].counts["mmr"] == (2, 1)
    assert figures[city.root.pk].counts["mmr"] == (2, 1)
    assert figures[city.root.pk].enrolled == 7  # 8 test students, one left


def test_a_first_dose_alone_does_not_cover(city):
    dose(city, city.students["a1"][0], "mmr", 1, days_ago(30))
    assert selectors.coverage([city.class_a1], ["mmr"])[city.class_a1.pk].counts["mmr"] == (0, 0)


def test_coverage_for_many_units_is_one_query(city):
    dose(city, city.students["a1"][0], "flu", 1, days_ago(3))
    units = [city.root, city.district_a, city.district_b, city.school_a, city.school_b, city.class_a1]
    selectors.coverage(units)  # the cached enrolment table
    with CaptureQueriesContext(connection) as queries:
        figures = selectors.coverage(units)
    assert len(queries) <= 2
    assert figures[city.district_a.pk].counts["flu"] == (1, 0)
    assert figures[city.district_b.pk].counts["flu"] == (0, 0)


def test_indicator_is_registered_and_drills_to_the_rows(city):
    indicator = registry.get("schoolhealth.coverage_flu")
    assert indicator is not None and indicator.measure == "%"
    dose(city, city.students["a1"][0], "flu", 1, days_ago(3))
    today = dt.date.today()
    values = indicator.compute([city.root, city.school_a, city.school_b], today, today, user=city.user("bureau_leader"))
    assert values[city.school_a.pk].numerator == 1
    assert values[city.school_a.pk].denominator == 5
    assert values[city.school_b.pk].value == 0.0
    drill = indicator.drill(city.school_a, today, today, user=city.user("bureau_leader"))
    assert drill.rows.count() == 1 and "unit=" in drill.url


def test_room_rate_counts_staffed_rooms(city):
    doctor = city.user("doctor")
    services.save_room(actor=doctor, school=city.school_a, kind="care_room", licence_no="", licence_expires=None)
    rates = selectors.room_rates([city.root, city.district_a])
    assert rates[city.root.pk] == (3, 0)  # a room without staff is not 配备
    services.add_staff(actor=doctor, school=city.school_a, name="王芳", post="health_teacher")
    assert selectors.room_rates([city.district_a])[city.district_a.pk] == (2, 1)


def test_a_write_patches_the_cached_table_for_its_classes_only(city, django_capture_on_commit_callbacks):
    from dudao.schoolhealth import tables

    dose(city, city.students["a2"][0], "flu", 1, days_ago(3))
    assert selectors.coverage([city.root], ["flu"])[city.root.pk].counts["flu"] == (1, 0)  # table now cached
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        dose(city, city.students["a1"][0], "flu", 1, days_ago(2))
    patched = [q["sql"] for q in queries if "GROUP BY" in q["sql"]]
    assert len(patched) == 1 and "IN (" in patched[0]  # only the class written to was recounted
    figures = selectors.coverage([city.root, city.class_a1, city.class_a2], ["flu"])
    assert figures[city.root.pk].counts["flu"] == (2, 0)
    assert figures[city.class_a1.pk].counts["flu"] == (1, 0) and figures[city.class_a2.pk].counts["flu"] == (1, 0)
    assert tables.by_class() is tables.by_class()  # served from the process memo until the next write
