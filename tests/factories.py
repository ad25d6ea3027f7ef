"""Factories and a small two-district city for tests."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.auth.hashers import make_password
from factory.declarations import LazyFunction, Sequence
from factory.django import DjangoModelFactory

from dudao.accounts.models import User
from dudao.orgs.models import Guardian, OrgUnit, RoleAssignment, Student
from dudao.orgs.text import id_card_check_digit, search_key

PASSWORD = "correct-horse-42"
_serial = itertools.count(1)


@cache
def password_hash() -> str:
    """One argon2 hash shared by every test user: hashing as deployed, paid once."""
    return make_password(PASSWORD, hasher="argon2")  # named: a test that swaps PASSWORD_HASHERS may call first


class UserFactory(DjangoModelFactory[User]):
    """Use `UserFactory.create()` or `.build()`: factory_boy types those as a User, `UserFactory()` as the factory."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = Sequence(lambda n: f"user{n}")
    full_name = Sequence(lambda n: f"测试用户{n}")
    phone = "13812345678"
    title = "科员"
    password = LazyFunction(password_hash)


def unit(parent: OrgUnit | None, name: str, kind: str, short_name: str = "", school_type: str = "") -> OrgUnit:
    fields: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "short_name": short_name,
        "school_type": school_type,
        "pinyin": search_key(name, short_name),
    }
    if parent is None:
        return OrgUnit.add_root(**fields)
    node = parent.add_child(**fields)
    parent.refresh_from_db()
    return node


def id_card(birth: dt.date, serial: int) -> str:
    first17 = "360101" + birth.strftime("%Y%m%d") + f"{serial % 1000:03d}"
    return first17 + id_card_check_digit(first17)


def student(klass: OrgUnit, name: str = "", guardians: int = 1, **extra: Any) -> Student:
    n = next(_serial)
    birth = extra.pop("birth_date", dt.date(2013, 3, 1))
    card = id_card(birth, n)
    s = Student.objects.create(
        klass=klass,
        name=name or f"学生{n}",
        gender="M" if n % 2 else "F",
        birth_date=birth,
        student_no="G" + card,
        id_card_no=card,
        **extra,
    )
    for i in range(guardians):
        Guardian.objects.create(
            student=s,
            name=f"家长{n}-{i}",
            relation="mother" if i == 0 else "father",
            phone=f"1390000{n % 10000:04d}",
            is_primary=i == 0,
        )
    return s


def assign(user: User, role: str, where: OrgUnit) -> RoleAssignment:
    return RoleAssignment.objects.create(user=user, role=role, unit=where)


def act_as(user: User, assignment: RoleAssignment) -> None:
    """Make `assignment` the one `user` acts through, as ActingAssignmentMiddleware does for a request, and
    drop the assignments scoping cached on the user. User does not declare these per-request attributes."""
    user.acting_assignment_id = assignment.pk  # type: ignore[attr-defined]
    user._dudao_assignments = None


@dataclass
class City:
    """测试市: district 甲区 (schools 五中 and 实验小学), district 乙区 (one school)."""

    root: OrgUnit
    office: OrgUnit
    district_a: OrgUnit
    district_b: OrgUnit
    school_a: OrgUnit
    school_a2: OrgUnit
    school_b: OrgUnit
    grade_a: OrgUnit
    class_a1: OrgUnit
    class_a2: OrgUnit
    class_b1: OrgUnit
    students: dict[str, list[Student]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def user(self, key: str) -> User:
        return self.users[key]


# Who holds what in the test city: key → (role, unit attribute).
ROLE_HOLDERS = {
    "bureau_leader": ("bureau_leader", "root"),
    "bureau_staff": ("bureau_staff", "root"),
    "inspector": ("inspector", "root"),
    "district_admin": ("district_admin", "district_a"),
    "district_admin_b": ("district_admin", "district_b"),
    "principal": ("principal", "school_a"),
    "school_staff": ("school_staff", "school_a"),
    "class_teacher": ("class_teacher", "class_a1"),
    "counsellor": ("counsellor", "school_a"),
    "doctor": ("doctor", "school_a"),
    "health_officer": ("health_officer", "district_a"),
    "case_officer": ("case_officer", "root"),
    "sysadmin": ("sysadmin", "root"),
    "district_sysadmin": ("sysadmin", "district_a"),
    "security_officer": ("security_officer", "root"),
    "auditor": ("auditor", "root"),
}


# The test city's units: key → (parent key, name, kind, short name, school type), parents before children.
CITY_UNITS: dict[str, tuple[str | None, str, str, str, str]] = {
    "root": (None, "测试市教育局", "bureau", "市教育局", ""),
    "office": ("root", "教育督导室", "office", "", ""),
    "district_a": ("root", "甲区教育局", "district", "甲区", ""),
    "district_b": ("root", "乙区教育局", "district", "乙区", ""),
    "school_a": ("district_a", "甲区第五中学", "school", "五中", "complete"),
    "school_a2": ("district_a", "甲区实验小学", "school", "实验小学", "primary"),
    "school_b": ("district_b", "乙区第一小学", "school", "一小", "primary"),
    "grade_a": ("school_a", "七年级", "grade", "", ""),
    "class_a1": ("grade_a", "七年级（1）班", "class", "", ""),
    "class_a2": ("grade_a", "七年级（2）班", "class", "", ""),
    "grade_b": ("school_b", "一年级", "grade", "", ""),
    "class_b1": ("grade_b", "一年级（1）班", "class", "", ""),
    "grade_a2": ("school_a2", "三年级", "grade", "", ""),
    "class_a2_1": ("grade_a2", "三年级（1）班", "class", "", ""),
}
# Students per class key, and how many guardians each has.
CITY_STUDENTS = {
    "a1": ("class_a1", 3, 2),
    "a2": ("class_a2", 2, 1),
    "a2_1": ("class_a2_1", 1, 1),
    "b1": ("class_b1", 2, 1),
}


def _bulk_tree(spec: dict[str, tuple[str | None, str, str, str, str]]) -> dict[str, OrgUnit]:
    """The units of `spec` in one INSERT, with the paths, depths and child counts treebeard would give them
    (the test city is built for most tests: one statement instead of a save and a reload per node)."""
    roots = OrgUnit.get_root_nodes().order_by("-path").values_list("path", flat=True)[:1]
    last_root = roots[0] if roots else None
    next_root = OrgUnit._str2int(last_root[: OrgUnit.steplen]) + 1 if last_root else 1
    children: dict[str, int] = {}
    units: dict[str, OrgUnit] = {}
    for key, (parent_key, name, kind, short_name, school_type) in spec.items():
        if parent_key is None:
            path, depth = OrgUnit._get_path(None, 1, next_root), 1
            next_root += 1
        else:
            parent = units[parent_key]
            children[parent_key] = children.get(parent_key, 0) + 1
            path, depth = OrgUnit._get_path(parent.path, parent.depth + 1, children[parent_key]), parent.depth + 1
        units[key] = OrgUnit(
            path=path,
            depth=depth,
            numchild=0,
            name=name,
            kind=kind,
            short_name=short_name,
            school_type=school_type,
            pinyin=search_key(name, short_name),
        )
    for key, count in children.items():
        units[key].numchild = count
    OrgUnit.objects.bulk_create(units.values())
    return units


def build_city() -> City:
    units = _bulk_tree(CITY_UNITS)
    city = City(**{name: units[name] for name in City.__dataclass_fields__ if name in units})
    students: dict[str, list[Student]] = {}
    guardians: list[Guardian] = []
    birth = dt.date(2013, 3, 1)
    for key, (klass, count, per_student) in CITY_STUDENTS.items():
        students[key] = []
        for _ in range(count):
            n = next(_serial)
            card = id_card(birth, n)
            s = Student(
                klass=units[klass],
                name=f"学生{n}",
                gender="M" if n % 2 else "F",
                birth_date=birth,
                student_no="G" + card,
                id_card_no=card,
            )
            students[key].append(s)
            guardians.extend(
                Guardian(
                    student=s,
                    name=f"家长{n}-{i}",
                    relation="mother" if i == 0 else "father",
                    phone=f"1390000{n % 10000:04d}",
                    is_primary=i == 0,
                )
                for i in range(per_student)
            )
    Student.objects.bulk_create([s for group in students.values() for s in group])
    for g in guardians:
        g.student_id = g.student.pk
    Guardian.objects.bulk_create(guardians)
    city.students = students
    users = {
        key: UserFactory.build(username=key.replace("_", "."), unit=getattr(city, where))
        for key, (_role, where) in ROLE_HOLDERS.items()
    }
    users["nobody"] = UserFactory.build(username="nobody", unit=city.school_a)
    User.objects.bulk_create(users.values())
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=users[key], role=role, unit=getattr(city, where))
        for key, (role, where) in ROLE_HOLDERS.items()
    )
    city.users = users
    return city
