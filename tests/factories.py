"""Factories and a small two-district city for tests."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from dudao.accounts.models import User
from dudao.orgs.models import Guardian, OrgUnit, RoleAssignment, Student
from dudao.orgs.text import id_card_check_digit, search_key

PASSWORD = "correct-horse-42"
_serial = itertools.count(1)


@cache
def password_hash() -> str:
    """One argon2 hash shared by every test user: hashing as deployed, paid once."""
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    phone = "13812345678"
    title = "科员"
    password = factory.LazyFunction(password_hash)


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


def build_city() -> City:
    root = unit(None, "测试市教育局", "bureau", "市教育局")
    office = unit(root, "教育督导室", "office")
    district_a = unit(root, "甲区教育局", "district", "甲区")
    district_b = unit(root, "乙区教育局", "district", "乙区")
    school_a = unit(district_a, "甲区第五中学", "school", "五中", "complete")
    school_a2 = unit(district_a, "甲区实验小学", "school", "实验小学", "primary")
    school_b = unit(district_b, "乙区第一小学", "school", "一小", "primary")
    grade_a = unit(school_a, "七年级", "grade")
    class_a1 = unit(grade_a, "七年级（1）班", "class")
    class_a2 = unit(grade_a, "七年级（2）班", "class")
    grade_b = unit(school_b, "一年级", "grade")
    class_b1 = unit(grade_b, "一年级（1）班", "class")
    grade_a2 = unit(school_a2, "三年级", "grade")
    class_a2_1 = unit(grade_a2, "三年级（1）班", "class")
    city = City(
        root, office, district_a, district_b, school_a, school_a2, school_b, grade_a, class_a1, class_a2, class_b1
    )
    city.students = {
        "a1": [student(class_a1, guardians=2) for _ in range(3)],
        "a2": [student(class_a2) for _ in range(2)],
        "a2_1": [student(class_a2_1)],
        "b1": [student(class_b1) for _ in range(2)],
    }
    for key, (role, where) in ROLE_HOLDERS.items():
        target = getattr(city, where)
        user = UserFactory(username=key.replace("_", "."), unit=target)
        assign(user, role, target)
        city.users[key] = user
    city.users["nobody"] = UserFactory(username="nobody", unit=school_a)
    for name in (
        "root",
        "district_a",
        "district_b",
        "school_a",
        "school_a2",
        "school_b",
        "grade_a",
        "class_a1",
        "class_a2",
        "class_b1",
    ):
        getattr(city, name).refresh_from_db()
    return city
