"""The cached enrolment table: roll-ups agree with a direct count, and every write path refreshes it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db.models import Q

from dudao.orgs import enrolment, services
from dudao.orgs.models import OrgUnit, Student, StudentStatus
from tests.factories import City

pytestmark = pytest.mark.django_db


def _direct(unit: OrgUnit) -> tuple[int, int]:
    enrolled = Student.objects.filter(klass__path__under=unit.path, status=StudentStatus.ENROLLED)
    return enrolled.count(), enrolled.filter(Q(is_left_behind=True) | Q(is_in_hardship=True)).count()


def test_rollup_matches_a_direct_count_at_every_level(city: City) -> None:
    Student.objects.filter(pk=city.students[next(iter(city.students))][0].pk).update(is_left_behind=True)
    enrolment.invalidate()
    units = [city.root, city.district_a, city.district_b, city.school_a, city.school_b, city.class_a1]
    found = enrolment.rollup(units)
    for unit in units:
        assert (found[unit.pk].students, found[unit.pk].special) == _direct(unit), unit.name
    assert found[city.root.pk].students > 0 and found[city.root.pk].special == 1


def test_transfer_and_leaving_refresh_the_table(city: City) -> None:
    student = Student.objects.filter(klass=city.class_a1).first()
    assert student is not None
    before = enrolment.rollup([city.class_a1, city.class_a2])
    services.transfer_student(actor=city.user("principal"), student=student, klass=city.class_a2, version=None)
    after = enrolment.rollup([city.class_a1, city.class_a2])
    assert after[city.class_a1.pk].students == before[city.class_a1.pk].students - 1
    assert after[city.class_a2.pk].students == before[city.class_a2.pk].students + 1
    student.refresh_from_db()
    services.mark_student_left(actor=city.user("principal"), student=student, reason="转学", version=None)
    assert enrolment.rollup([city.class_a2])[city.class_a2.pk].students == before[city.class_a2.pk].students


def test_orm_save_refreshes_and_an_emptied_cache_never_brings_back_an_old_table(city: City) -> None:
    total = enrolment.rollup([city.root])[city.root.pk].students
    student = Student.objects.filter(status=StudentStatus.ENROLLED).first()
    assert student is not None
    student.status = StudentStatus.LEFT
    student.save()
    assert enrolment.rollup([city.root])[city.root.pk].students == total - 1
    # A process keeps its copy keyed by a random version token: clearing the cache gives a new token.
    cache.clear()
    Student.objects.filter(pk=student.pk).update(status=StudentStatus.ENROLLED)  # no signal
    assert enrolment.rollup([city.root])[city.root.pk].students == total


def test_roster_import_refreshes_the_table(city: City) -> None:
    from dudao.orgs.roster import import_roster
    from tests.xlsx import roster_row, workbook

    before = enrolment.rollup([city.school_a])[city.school_a.pk]
    import_roster(
        actor=city.user("school_staff"),
        school=city.school_a,
        upload=workbook([roster_row("七年级（1）班", "G1000001"), roster_row("七年级（2）班", "G1000002")]),
        filename="r.xlsx",
    )
    after = enrolment.rollup([city.school_a])[city.school_a.pk]
    # Both rows are enrolled and left-behind (roster_row's default), and bulk inserts send no signals.
    assert (after.students, after.special) == (before.students + 2, before.special + 2)
