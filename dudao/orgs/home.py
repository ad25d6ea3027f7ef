from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse

from dudao.accounts.models import User
from dudao.core.home import HomeItem, register
from dudao.orgs.models import OrgUnit, RoleAssignment, Student, StudentStatus, UnitKind
from dudao.orgs.scoping import can


def schools_without_students(user: User) -> list[OrgUnit]:
    """Open schools in scope with no student yet: one pass over the classes that have students."""
    class_ids = Student.objects.for_user(user).values_list("klass_id", flat=True).distinct()
    class_paths = OrgUnit.objects.filter(pk__in=class_ids).values_list("path", flat=True)
    prefixes = {path[:i] for path in class_paths for i in range(OrgUnit.steplen, len(path), OrgUnit.steplen)}
    schools = OrgUnit.objects.for_user(user).filter(kind=UnitKind.SCHOOL, is_closed=False)
    return [school for school in schools if school.path not in prefixes]


@register("orgs")
def orgs_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None:
        return []
    unit = acting.unit
    items: list[HomeItem] = []
    if can(user, "student.read"):
        students = Student.objects.for_user(user).filter(status=StudentStatus.ENROLLED)
        items.append(
            HomeItem(title="在籍学生", count=students.count(), url=reverse("orgs:roster", args=[unit.pk]), order=50)
        )
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
