from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs import enrolment
from dudao.orgs.models import OrgUnit, RoleAssignment, Student, StudentStatus, UnitKind
from dudao.orgs.scoping import can

nav_item("组织机构", "orgs:tree", permission="orgunit.read", order=90)
nav_item("人员", "orgs:staff", permission="staff.read", order=91)
nav_item("风险标签", "orgs:tags", permission="unittag.read", order=63, group="safety")


def schools_without_students(user: User) -> list[OrgUnit]:
    """Open schools in scope with no enrolled student yet, from the cached enrolment table."""
    schools = list(OrgUnit.objects.for_user(user).filter(kind=UnitKind.SCHOOL, is_closed=False))
    found = enrolment.rollup(schools)
    return [school for school in schools if not found[school.pk].students]


@register("orgs")
def orgs_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None:
        return []
    unit = acting.unit
    items: list[HomeItem] = []
    if can(user, "student.read"):
        students = Student.objects.for_user(user).filter(status=StudentStatus.ENROLLED)
        enrolled = enrolment.rollup([unit])[unit.pk].students
        items.append(HomeItem(title="在籍学生", count=enrolled, url=reverse("orgs:roster", args=[unit.pk]), order=50))
        if unit.kind in {UnitKind.SCHOOL, UnitKind.GRADE, UnitKind.CLASS}:
            items.append(
                HomeItem(
                    title="留守儿童",
                    count=students.filter(is_left_behind=True).count(),
                    url=reverse("orgs:roster", args=[unit.pk]),
                    order=51,
                )
            )
    if can(user, "student.change") and unit.kind in {UnitKind.BUREAU, UnitKind.DISTRICT}:
        empty_schools = len(schools_without_students(user))
        if empty_schools:
            items.append(
                HomeItem(
                    title="尚未导入名册的学校",
                    count=empty_schools,
                    kind="todo",
                    level="warning",
                    url=reverse("orgs:unit", args=[unit.pk]),
                    order=20,
                )
            )
    if can(user, "role.assign"):
        unassigned = (
            User.objects.for_user(user)
            .filter(is_active=True)
            .exclude(Exists(RoleAssignment.objects.filter(user=OuterRef("pk"))))
            .count()
        )
        items.append(
            HomeItem(
                title="未分配角色的账户",
                count=unassigned,
                kind="todo" if unassigned else "info",
                level="warning",
                url=reverse("orgs:staff"),
                order=15,
            )
        )
    if can(user, "orgunit.read"):
        schools = OrgUnit.objects.for_user(user).filter(kind=UnitKind.SCHOOL, is_closed=False).count()
        if schools:
            items.append(HomeItem(title="学校", count=schools, url=reverse("orgs:unit", args=[unit.pk]), order=40))
    return items
