from __future__ import annotations

import pytest

from dudao.accounts.models import User
from dudao.orgs.models import OrgUnit, Student
from dudao.orgs.scoping import acting_assignment, can
from tests.factories import City, assign

pytestmark = pytest.mark.django_db


def names(qs) -> set[str]:
    return {u.name for u in qs}


def test_district_admin_never_sees_another_districts_schools(city: City) -> None:
    visible = OrgUnit.objects.for_user(city.user("district_admin"), "read").filter(kind="school")
    assert names(visible) == {"甲区第五中学", "甲区实验小学"}


def test_bureau_staff_sees_whole_city(city: City) -> None:
    visible = OrgUnit.objects.for_user(city.user("bureau_staff")).filter(kind="school")
    assert names(visible) == {"甲区第五中学", "甲区实验小学", "乙区第一小学"}


def test_class_teacher_sees_only_their_class_students(city: City) -> None:
    students = Student.objects.for_user(city.user("class_teacher"))
    assert set(students) == set(city.students["a1"])


def test_principal_sees_own_school_students_only(city: City) -> None:
    students = Student.objects.for_user(city.user("principal"))
    assert set(students) == set(city.students["a1"] + city.students["a2"])


def test_sysadmin_reads_no_student_data(city: City) -> None:
    assert not Student.objects.for_user(city.user("sysadmin")).exists()
    assert OrgUnit.objects.for_user(city.user("sysadmin")).exists()


def test_auditor_sees_no_org_tree_or_students(city: City) -> None:
    assert not OrgUnit.objects.for_user(city.user("auditor")).exists()
    assert not Student.objects.for_user(city.user("auditor")).exists()


def test_user_without_assignment_sees_nothing(city: City) -> None:
    assert not OrgUnit.objects.for_user(city.user("nobody")).exists()
    assert not Student.objects.for_user(city.user("nobody")).exists()


def test_anonymous_sees_nothing(city: City) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not Student.objects.for_user(AnonymousUser()).exists()


def test_acting_assignment_switch_changes_scope(city: City) -> None:
    user = city.user("principal")
    second = assign(user, "class_teacher", city.class_b1)
    fresh = User.objects.get(pk=user.pk)
    assert set(Student.objects.for_user(fresh)) == set(city.students["a1"] + city.students["a2"])
    fresh = User.objects.get(pk=user.pk)
    fresh.acting_assignment_id = second.pk
    assert acting_assignment(fresh) == second
    assert set(Student.objects.for_user(fresh)) == set(city.students["b1"])


def test_closed_units_assignments_grant_nothing(city: City) -> None:
    OrgUnit.objects.filter(pk=city.class_a1.pk).update(is_closed=True)
    teacher = User.objects.get(pk=city.user("class_teacher").pk)
    assert not Student.objects.for_user(teacher).exists()


def test_can_checks_unit_is_inside_subtree(city: City) -> None:
    admin = city.user("district_admin")
    assert can(admin, "orgunit.change", city.school_a)
    assert not can(admin, "orgunit.change", city.school_b)


def test_subtree_lookup_is_exact_prefix(city: City) -> None:
    # The path of 甲区 is a prefix of its schools but not of 乙区's.
    under = OrgUnit.objects.filter(path__under=city.district_a.path)
    assert city.school_a in under and city.school_b not in under


def test_subtree_lookup_rejects_non_path_values(city: City) -> None:
    with pytest.raises(ValueError):
        list(OrgUnit.objects.filter(path__under="00%"))
