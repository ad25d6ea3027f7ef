"""roster_import_s: importing a 10,000-student roster Excel file for one school.

Value: seconds of `dudao.orgs.roster.import_roster` (read, validate, write students and
guardians, audit events) by the `school.principal` demo user acting as principal, into the
first school of the small demo city.
Baseline (write floor): `Student.objects.bulk_create` + `Guardian.objects.bulk_create` of the
same already-parsed rows (parsed untimed with `roster.parse`) in one transaction.
Ratio: value / baseline (target ≤ 3).

Each side of each repetition starts from its own fresh database with the small demo loaded
(same seed, hence the same ids); the sides alternate which goes first; medians are reported.

    python -m bench.roster_import [--students 10000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import random
import time
from dataclasses import dataclass
from typing import Any

import xlsxwriter

from bench import common

LABEL = "roster"
REGION = "990199"  # an area code the demo generator never uses, so 学籍号 cannot collide
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"


@dataclass
class School:
    unit: Any
    actor: Any
    classes: dict[str, int]


def id_number(index: int) -> tuple[str, dt.date, bool]:
    """A valid, unique 18-digit ID number for row `index`, with its birth date and sex."""
    from dudao.orgs.text import id_card_check_digit

    birth = dt.date(2013, 1, 1) + dt.timedelta(days=index % 365)
    serial = index // 365 + 1
    male = index % 2 == 0
    first17 = f"{REGION}{birth:%Y%m%d}{serial * 2 - 1 if male else serial * 2:03d}"
    return first17 + id_card_check_digit(first17), birth, male


def roster_bytes(class_names: list[str], students: int, seed: int = 7) -> bytes:
    """An .xlsx roster with the import template's header and `students` valid rows."""
    from dudao.orgs.roster import headers

    rng = random.Random(seed)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("学生名册")
    header = headers()
    sheet.write_row(0, 0, header)
    for index in range(students):
        number, birth, male = id_number(index)
        surname = rng.choice(SURNAMES)
        row = [
            class_names[index % len(class_names)],
            surname + rng.choice(GIVEN) + rng.choice(GIVEN),
            "男" if male else "女",
            birth.isoformat(),
            "G" + number,
            number,
            "是" if rng.random() < 0.1 else "否",
            "是" if rng.random() < 0.05 else "否",
            "否",
            "否",
            "是" if rng.random() < 0.08 else "否",
            surname + rng.choice(GIVEN) + rng.choice(GIVEN),
            "父亲",
            f"139{index:08d}",
        ]
        if index % 2 == 0:
            row += [rng.choice(SURNAMES) + rng.choice(GIVEN), "母亲", f"138{index:08d}"]
        if len(row) > len(header):
            raise RuntimeError("row longer than the template header")
        sheet.write_row(index + 1, 0, row)
    workbook.close()
    return buffer.getvalue()


def fresh_school() -> School:
    """A fresh database with the small demo loaded (untimed); the principal set to act as principal."""
    from dudao.accounts.models import User
    from dudao.demo.loader import load
    from dudao.orgs.models import OrgUnit, UnitKind
    from dudao.orgs.roles import allows
    from dudao.orgs.scoping import assignments_of

    common.use_database(LABEL, fresh=True)
    load(scale="small")
    actor = User.objects.get(username="school.principal")
    assignment = next(a for a in assignments_of(actor) if a.role == "principal")
    if not allows(assignment.role, "student.change"):
        raise SystemExit("principal may not change students any more: adjust the benchmark's actor")
    actor.acting_assignment_id = assignment.pk
    school = assignment.unit
    if school.kind != UnitKind.SCHOOL:
        raise SystemExit(f"the principal's unit {school} is not a school")
    classes = dict(
        OrgUnit.objects.filter(path__under=school.path, kind=UnitKind.CLASS, is_closed=False)
        .order_by("path")
        .values_list("name", "id")
    )
    return School(school, actor, classes)


def counts(school: Any) -> tuple[int, int, int]:
    from dudao.orgs.models import Guardian, Student

    return (
        Student.objects.filter(klass__path__under=school.path).count(),
        Student.objects.filter(student_no__startswith="G" + REGION).count(),
        Guardian.objects.filter(student__student_no__startswith="G" + REGION).count(),
    )


def check(school: Any, before: tuple[int, int, int], students: int, guardians: int) -> None:
    after = counts(school)
    if after[0] - before[0] != students or after[1] != students or after[2] != guardians:
        raise SystemExit(
            f"expected {students:,} new students and {guardians:,} guardians; "
            f"school grew by {after[0] - before[0]:,}, {after[1]:,} roster students, {after[2]:,} guardians"
        )


def time_import(data: bytes, students: int, guardians: int) -> float:
    from dudao.orgs.roster import import_roster

    setup = fresh_school()
    before = counts(setup.unit)
    started = time.perf_counter()
    result = import_roster(actor=setup.actor, school=setup.unit, upload=io.BytesIO(data), filename="bench.xlsx")
    seconds = time.perf_counter() - started
    if result.created != students:
        raise SystemExit(f"import created {result.created:,} students, expected {students:,}")
    check(setup.unit, before, students, guardians)
    return seconds


def time_floor(parsed: list[Any], classes: dict[str, int], students: int, guardians: int) -> float:
    from django.db import transaction
    from django.utils import timezone

    from dudao.orgs.models import Guardian, Student

    setup = fresh_school()
    if setup.classes != classes:
        raise SystemExit("the reloaded demo has different class ids; the parsed rows no longer apply")
    before = counts(setup.unit)
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        created = Student.objects.bulk_create(
            [Student(**item.values, created_at=now, updated_at=now) for item in parsed], batch_size=1000
        )
        Guardian.objects.bulk_create(
            [
                Guardian(student_id=student.pk, **guardian)
                for student, item in zip(created, parsed, strict=True)
                for guardian in item.guardians
            ],
            batch_size=2000,
        )
    seconds = time.perf_counter() - started
    check(setup.unit, before, students, guardians)
    return seconds


def profile_import(data: bytes) -> None:
    from dudao.orgs.roster import import_roster

    setup = fresh_school()
    profiler = cProfile.Profile()
    profiler.enable()
    import_roster(actor=setup.actor, school=setup.unit, upload=io.BytesIO(data), filename="bench.xlsx")
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of one import")
    args = parser.parse_args()
    students: int = args.students
    if students > 365 * 499:
        raise SystemExit("too many students for unique ID numbers")

    common.configure(LABEL)
    from dudao.core.excel import read_rows
    from dudao.orgs.models import Student
    from dudao.orgs.roster import parse

    setup = fresh_school()
    class_names = list(setup.classes)
    data = roster_bytes(class_names, students)
    parsed, errors = parse(read_rows(data, max_rows=students), classes=setup.classes)
    if errors or len(parsed) != students:
        raise SystemExit(f"the generated roster does not parse cleanly: {errors[:5]}")
    guardians = sum(len(item.guardians) for item in parsed)
    common.log(
        f"data scale: small demo ({Student.objects.count():,} students); school {setup.unit.name} with "
        f"{len(class_names)} classes; roster of {students:,} new students, {guardians:,} guardians, "
        f"{len(data) / 1024:.0f} KiB .xlsx"
    )

    import_times: list[float] = []
    floor_times: list[float] = []
    for rep in range(args.repeat):
        sides = ("import", "floor") if rep % 2 == 0 else ("floor", "import")
        for side in sides:
            if side == "import":
                import_times.append(time_import(data, students, guardians))
                common.log(f"repetition {rep + 1}: import_roster {import_times[-1]:.3f}s")
            else:
                floor_times.append(time_floor(parsed, setup.classes, students, guardians))
                common.log(f"repetition {rep + 1}: bulk_create floor {floor_times[-1]:.3f}s")

    if args.profile:
        profile_import(data)

    value, baseline = common.median(import_times), common.median(floor_times)
    common.log(f"median: import_roster {value:.3f}s, bulk_create floor {baseline:.3f}s; verified {students:,} created")
    common.result("roster_import_s", value, "s", baseline, value / baseline)


if __name__ == "__main__":
    main()
