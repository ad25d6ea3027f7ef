"""The demo city: deterministic, realistic rows generated fast enough for 1.2 million students.

`generate(scale, seed)` yields batches `(model, fields, rows)` in insertion order with explicit
ids, so the loader and the benchmark insert exactly the same rows. Person names are drawn
from Faker's zh_CN lists with one seeded `random.Random`, not through Faker calls, which would
take minutes at city scale.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.bulk import adapt_datetime
from dudao.demo import names as N
from dudao.orgs.models import Guardian, OrgUnit, RoleAssignment, Student, name_initials
from dudao.orgs.text import id_card_check_digit, search_key

# A city repeats its names: initials once per distinct name (1.26 M students, far fewer names).
_name_initials = functools.lru_cache(maxsize=200_000)(name_initials)

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEP = 4


def step(n: int) -> str:
    digits = ""
    while n:
        n, rem = divmod(n, 36)
        digits = ALPHABET[rem] + digits
    return digits.rjust(STEP, "0")


@dataclass(frozen=True)
class Scale:
    name: str
    districts: int
    schools_per_district: int
    direct_schools: int
    classes_per_grade: float
    batch_schools: int = 40
    # Above 1: a provincial department at the root over this many cities of the shape above.
    cities: int = 1


SCALES = {
    "small": Scale("small", districts=2, schools_per_district=18, direct_schools=4, classes_per_grade=3.2),
    "city": Scale("city", districts=12, schools_per_district=123, direct_schools=24, classes_per_grade=5.5),
    "province": Scale(
        "province", districts=12, schools_per_district=123, direct_schools=24, classes_per_grade=5.5, cities=6
    ),
}

UNIT_FIELDS = [
    "id",
    "path",
    "depth",
    "numchild",
    "name",
    "short_name",
    "kind",
    "school_type",
    "code",
    "pinyin",
    "is_closed",
    "closed_reason",
    "version",
    "created_at",
    "updated_at",
]
USER_FIELDS = [
    "id",
    "password",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "full_name",
    "phone",
    "title",
    "unit",
    "is_demo",
    "version",
]
ASSIGNMENT_FIELDS = ["id", "user", "role", "unit", "created_at"]
STUDENT_FIELDS = [
    "id",
    "klass",
    "name",
    "gender",
    "birth_date",
    "student_no",
    "id_card_no",
    "is_boarding",
    "is_left_behind",
    "is_in_hardship",
    "is_disabled",
    "is_migrant",
    "status",
    "version",
    "created_at",
    "updated_at",
    "name_initials",
]
GUARDIAN_FIELDS = ["id", "student", "name", "relation", "phone", "is_primary"]

Batch = tuple[type[models.Model], list[str], list[tuple[Any, ...]]]


@dataclass
class Node:
    id: int
    path: str
    name: str
    kind: str
    short_name: str = ""
    school_type: str = ""
    code: str = ""
    children: list[Node] = field(default_factory=list)
    # Demo-only facts used to generate people.
    region: str = ""
    grade: str = ""
    class_size: int = 0

    def add(self, node: Node) -> Node:
        self.children.append(node)
        return node


@dataclass
class Ids:
    unit: int
    user: int
    assignment: int
    student: int
    guardian: int


@dataclass
class DemoCity:
    """What the loader needs after generation: the ids of the units demo logins attach to."""

    root: int = 0  # the demo city's bureau (below the provincial department at province scale)
    province: int = 0  # the provincial department at province scale, else 0
    offices: dict[str, int] = field(default_factory=dict)
    districts: list[int] = field(default_factory=list)
    first_school: int = 0
    first_class: int = 0
    first_class_teacher_user: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class Generator:
    def __init__(self, scale: Scale, seed: int, ids: Ids, today: dt.date | None = None) -> None:
        self.scale = scale
        self.rng = random.Random(seed)  # noqa: S311 (deterministic demo data, not security)
        self.ids = ids
        self.today = today or timezone.localdate()
        now = timezone.now().replace(microsecond=0)
        self.now = adapt_datetime(now)
        self.city = DemoCity()
        self.id_serial: dict[str, int] = {}
        self.usernames = 0
        # School year starts 1 September.
        self.school_year = self.today.year if self.today.month >= 9 else self.today.year - 1
        self.surname_cum = self._cumulative(N.SURNAME_WEIGHTS)

    @staticmethod
    def _cumulative(weights: list[float]) -> list[float]:
        total, out = 0.0, []
        for w in weights:
            total += w
            out.append(total)
        return out

    # ----- helpers ------------------------------------------------------------------------
    def _next(self, attr: str) -> int:
        value = getattr(self.ids, attr)
        setattr(self.ids, attr, value + 1)
        return int(value)

    def person_name(self, male: bool) -> str:
        rng = self.rng
        surname = rng.choices(N.SURNAMES, cum_weights=self.surname_cum)[0]
        chars = N.GIVEN_CHARS_MALE if male else N.GIVEN_CHARS_FEMALE
        if rng.random() < 0.55:
            return surname + rng.choice(chars) + rng.choice(chars)
        return surname + rng.choice(N.MALE_GIVEN if male else N.FEMALE_GIVEN)

    def phone(self) -> str:
        rng = self.rng
        return "1" + rng.choice("3578") + str(rng.randint(0, 9)) + str(rng.randrange(10**8)).zfill(8)

    # ----- the tree -----------------------------------------------------------------------
    def build_tree(self) -> Node:
        """The demo city, or at province scale the provincial department over `scale.cities` cities (the demo
        city first, so that its ids, names and the demo logins are those of the city demo)."""
        if self.scale.cities <= 1:
            root = self._city(N.CITY, "市教育局", "36", "", demo=True)
            self._assign_paths(root, step(1))
            return root
        root = Node(self._next("unit"), step(1), N.PROVINCE, "bureau", short_name=N.PROVINCE_SHORT, region="3500")
        for office in N.PROVINCE_OFFICES:
            root.add(Node(self._next("unit"), "", office, "office"))
        root.add(self._city(N.CITY, f"{N.CITY}教育局", "36", "", demo=True))
        for name, short, digits in N.OTHER_CITIES[: self.scale.cities - 1]:
            root.add(self._city(name, f"{name}教育局", digits, short, demo=False))
        self._assign_paths(root, root.path)
        return root

    def _city(self, city: str, short_name: str, digits: str, prefix: str, *, demo: bool) -> Node:
        """One city bureau with its offices, district bureaus and schools. Area codes start with `digits`; names
        outside the demo city start with the city (`prefix`) so that a province-wide search tells them apart."""
        root = Node(self._next("unit"), "", city + "教育局", "bureau", short_name=short_name, region=digits + "00")
        for office in N.OFFICES:
            node = root.add(Node(self._next("unit"), "", office, "office"))
            if demo:
                self.city.offices[office] = node.id
        for index, (name, short, region) in enumerate(N.DISTRICTS[: self.scale.districts]):
            full = name if demo else f"{city}{name}"
            district = root.add(
                Node(self._next("unit"), "", full, "district", short_name=short, region=digits + region[2:])
            )
            if demo:
                self.city.districts.append(district.id)
            self._add_schools(district, prefix + short, self.scale.schools_per_district, first=demo and index == 0)
        self._add_schools(root, prefix or N.CITY, self.scale.direct_schools, first=False)
        return root

    def _pick_type(self) -> tuple[Any, ...]:
        roll, total = self.rng.random(), 0.0
        for entry in N.SCHOOL_TYPES:
            total += entry[5]
            if roll < total:
                return entry
        return N.SCHOOL_TYPES[1]

    def _add_schools(self, parent: Node, prefix: str, count: int, *, first: bool) -> None:
        counters: dict[str, int] = {}
        specials = {k: list(v) for k, v in N.SPECIAL_NAMES.items()}
        for index in range(count):
            if first and index == 0:
                # The demo logins' school: 五中, found by pinyin initials "wz".
                entry = next(t for t in N.SCHOOL_TYPES if t[0] == "complete")
                name, short = f"{prefix}第五中学", "五中"
                counters["complete"] = 5
            else:
                entry = self._pick_type()
                kind = entry[0]
                if specials.get(kind) and self.rng.random() < 0.25:
                    special = specials[kind].pop(0)
                    name, short = prefix + special, special.replace("学校", "")
                else:
                    number = counters.get(kind, 0) + 1
                    counters[kind] = number
                    ordinal = N.cn_ordinal(number)
                    name = f"{prefix}第{ordinal}{entry[1]}"
                    short = f"{ordinal}{entry[2]}"
            school_type, _, _, grades, size, _ = entry
            school = parent.add(
                Node(
                    self._next("unit"),
                    "",
                    name,
                    "school",
                    short_name=short,
                    school_type=school_type,
                    region=parent.region,
                    class_size=size,
                )
            )
            mean = self.scale.classes_per_grade
            per_grade = max(1, round(self.rng.gauss(mean, mean * 0.35)))
            if school_type == "special":
                per_grade = 1
            if first and index == 0:
                per_grade = max(per_grade, 4)
            for grade_name in grades:
                grade = school.add(Node(self._next("unit"), "", grade_name, "grade", grade=grade_name))
                label = grade_name[0] if school_type == "kindergarten" else grade_name
                for number in range(1, per_grade + 1):
                    grade.add(
                        Node(
                            self._next("unit"), "", f"{label}（{number}）班", "class", grade=grade_name, class_size=size
                        )
                    )

    def _assign_paths(self, node: Node, path: str) -> None:
        node.path = path
        for index, child in enumerate(node.children, start=1):
            self._assign_paths(child, path + step(index))

    def unit_rows(self, root: Node) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        stack = [root]
        while stack:
            node = stack.pop()
            pinyin = "" if node.kind in {"grade", "class"} else search_key(node.name, node.short_name)
            rows.append(
                (
                    node.id,
                    node.path,
                    len(node.path) // STEP,
                    len(node.children),
                    node.name,
                    node.short_name,
                    node.kind,
                    node.school_type,
                    node.code,
                    pinyin,
                    False,
                    "",
                    1,
                    self.now,
                    self.now,
                )
            )
            stack.extend(reversed(node.children))
        return rows

    # ----- people -------------------------------------------------------------------------
    def user_row(self, unit_id: int, title: str, male: bool | None = None) -> tuple[Any, ...]:
        self.usernames += 1
        male = self.rng.random() < 0.35 if male is None else male
        return (
            self._next("user"),
            "!",
            False,
            f"t{self.usernames:06d}",
            "",
            "",
            "",
            False,
            True,
            self.now,
            self.person_name(male),
            self.phone(),
            title,
            unit_id,
            False,
            1,
        )

    def assignment_row(self, user_id: int, role: str, unit_id: int) -> tuple[Any, ...]:
        return (self._next("assignment"), user_id, role, unit_id, self.now)

    def school_staff(self, school: Node) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        users, assignments = [], []
        roles = {"校长": "principal", "德育主任": "school_staff", "心理教师": "counsellor", "校医": "doctor"}
        for title in N.TITLES_SCHOOL:
            row = self.user_row(school.id, title, male=self.rng.random() < 0.6 if title == "校长" else None)
            users.append(row)
            if title in roles:
                assignments.append(self.assignment_row(row[0], roles[title], school.id))
        for grade in school.children:
            for klass in grade.children:
                row = self.user_row(school.id, f"{self.rng.choice(N.SUBJECTS)}教师、班主任")
                users.append(row)
                assignments.append(self.assignment_row(row[0], "class_teacher", klass.id))
                if not self.city.first_class_teacher_user and school.id == self.city.first_school:
                    self.city.first_class_teacher_user = row[0]
                    self.city.first_class = klass.id
                if self.rng.random() < 0.6:
                    users.append(self.user_row(school.id, f"{self.rng.choice(N.SUBJECTS)}教师"))
        return users, assignments

    def id_card(self, region: str, birth: dt.date, male: bool) -> str:
        """A well-formed, unique 18-digit number: odd sequence digit for boys, even for girls."""
        key = region + birth.strftime("%Y%m%d")
        counter_key = key + ("M" if male else "F")
        serial = self.id_serial.get(counter_key, 0) + 1
        if serial > 499:
            raise ValueError(f"too many demo people born {birth} in {region}")
        self.id_serial[counter_key] = serial
        first17 = key + f"{serial * 2 - 1 if male else serial * 2:03d}"
        return first17 + id_card_check_digit(first17)

    def students(self, school: Node) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        rng = self.rng
        students: list[tuple[Any, ...]] = []
        guardians: list[tuple[Any, ...]] = []
        region = (school.region or "3600") + f"{rng.randint(1, 30):02d}"
        boarding_rate = 0.35 if school.school_type in {"senior", "vocational", "complete"} else 0.05
        if school.school_type == "kindergarten":
            boarding_rate = 0.0
        rural = school.region[2:] >= "21"
        left_behind_rate = 0.14 if rural else 0.04
        now = self.now
        for grade in school.children:
            age = N.GRADE_AGE[grade.grade]
            born_from = dt.date(self.school_year - age - 1, 9, 1)
            for klass in grade.children:
                size = max(4, klass.class_size + rng.randint(-5, 5))
                for _ in range(size):
                    male = rng.random() < 0.52
                    birth = born_from + dt.timedelta(days=rng.randrange(365))
                    id_card = self.id_card(region, birth, male)
                    sid = self._next("student")
                    left_behind = rng.random() < left_behind_rate
                    name = self.person_name(male)
                    students.append(
                        (
                            sid,
                            klass.id,
                            name,
                            "M" if male else "F",
                            birth.isoformat(),
                            "G" + id_card,
                            id_card,
                            rng.random() < boarding_rate,
                            left_behind,
                            rng.random() < 0.015,
                            rng.random() < 0.008,
                            (not rural) and rng.random() < 0.08,
                            "enrolled",
                            1,
                            now,
                            now,
                            _name_initials(name),
                        )
                    )
                    surname_name = self.person_name(True)
                    if left_behind:
                        guardians.append((self._next("guardian"), sid, surname_name, "grandfather", self.phone(), True))
                        if rng.random() < 0.7:
                            guardians.append(
                                (
                                    self._next("guardian"),
                                    sid,
                                    self.person_name(False),
                                    "grandmother",
                                    self.phone(),
                                    False,
                                )
                            )
                    else:
                        first_mother = rng.random() < 0.55
                        mother = (
                            self._next("guardian"),
                            sid,
                            self.person_name(False),
                            "mother",
                            self.phone(),
                            first_mother,
                        )
                        father = (self._next("guardian"), sid, surname_name, "father", self.phone(), not first_mother)
                        if rng.random() < 0.75:
                            guardians.extend([mother, father] if first_mother else [father, mother])
                        else:
                            guardians.append(
                                (mother[0], sid, mother[2], "mother", mother[4], True)
                                if first_mother
                                else (father[0], sid, father[2], "father", father[4], True)
                            )
        return students, guardians

    # ----- the whole city -----------------------------------------------------------------
    def batches(self) -> Iterator[Batch]:
        root = self.build_tree()
        cities = [root] if self.scale.cities <= 1 else [c for c in root.children if c.kind == "bureau"]
        self.city.root = cities[0].id
        if self.scale.cities > 1:
            self.city.province = root.id
        schools = [s for s in _walk(root) if s.kind == "school"]
        first_district = next(c for c in cities[0].children if c.kind == "district")
        self.city.first_school = first_district.children[0].id
        units = self.unit_rows(root)
        self.city.counts["units"] = len(units)
        yield OrgUnit, UNIT_FIELDS, units
        # Bureau and district staff (the provincial department's offices too).
        users, assignments = [], []
        for bureau in [root, *cities] if self.scale.cities > 1 else cities:
            for office in (c for c in bureau.children if c.kind == "office"):
                for title in ("科长", "副科长", "科员", "科员"):
                    users.append(self.user_row(office.id, title))
                    role = "inspector" if office.name == "教育督导室" else "bureau_staff"
                    assignments.append(self.assignment_row(users[-1][0], role, bureau.id))
        districts = [c for city in cities for c in city.children if c.kind == "district"]
        for district in districts:
            for title, role in (
                ("局长", "bureau_leader"),
                ("副局长", "bureau_leader"),
                ("基教股长", "district_admin"),
                ("安全股长", "district_admin"),
                ("督学", "inspector"),
            ):
                users.append(self.user_row(district.id, title))
                assignments.append(self.assignment_row(users[-1][0], role, district.id))
        totals = {"users": 0, "assignments": 0, "students": 0, "guardians": 0}
        for start in range(0, len(schools), self.scale.batch_schools):
            students: list[tuple[Any, ...]] = []
            guardians: list[tuple[Any, ...]] = []
            for school in schools[start : start + self.scale.batch_schools]:
                school_users, school_assignments = self.school_staff(school)
                users.extend(school_users)
                assignments.extend(school_assignments)
                s_rows, g_rows = self.students(school)
                students.extend(s_rows)
                guardians.extend(g_rows)
            yield User, USER_FIELDS, users
            yield RoleAssignment, ASSIGNMENT_FIELDS, assignments
            yield Student, STUDENT_FIELDS, students
            yield Guardian, GUARDIAN_FIELDS, guardians
            for key, rows in (
                ("users", users),
                ("assignments", assignments),
                ("students", students),
                ("guardians", guardians),
            ):
                totals[key] += len(rows)
            users, assignments = [], []
        self.city.counts.update(totals)


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)
