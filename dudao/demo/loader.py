"""Load the demo city into an empty database, then create the demo logins of docs/design.md."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append
from dudao.core.bulk import analyze, insert_rows, next_id, reset_sequences
from dudao.core.files import removed_on_failure
from dudao.demo.generator import SCALES, DemoCity, Generator, Ids
from dudao.demo.registry import DemoContext, run_steps
from dudao.orgs import enrolment
from dudao.orgs.models import Guardian, OrgUnit, RoleAssignment, Student, UnitKind

DEMO_PASSWORD = "dudao-demo"  # noqa: S105 (documented demo password, refused outside demo mode)
# (username, full name, title, role, where the role applies, home unit)
# The demo's scales as the audit trail names them.
SCALE_NAMES = {"small": "小规模", "city": "全市规模", "province": "全省规模"}

DEMO_LOGINS = [
    ("city.director", "林卫东", "局长", "bureau_leader", "root", "office:办公室"),
    ("city.admin", "周建华", "基础教育科科长", "bureau_staff", "root", "office:基础教育科"),
    ("city.inspector", "吴立新", "督学", "inspector", "root", "office:教育督导室"),
    ("city.sysadmin", "郑国庆", "系统管理员", "sysadmin", "root", "office:办公室"),
    ("city.security", "王安", "安全管理员", "security_officer", "root", "office:办公室"),
    ("city.auditor", "陈审", "审计管理员", "auditor", "root", "office:办公室"),
    ("city.caseofficer", "钱慧敏", "思政德育科心理健康专员", "case_officer", "root", "office:思想政治与德育科"),
    ("district.admin", "刘志刚", "基教股长", "district_admin", "district", "district"),
    ("district.health", "何晓燕", "卫生专干", "health_officer", "district", "district"),
    ("school.principal", "李明德", "校长", "principal", "school", "school"),
    ("school.teacher", "张丽华", "语文教师、班主任", "class_teacher", "class", "school"),
    ("school.counsellor", "赵心怡", "心理教师", "counsellor", "school", "school"),
    ("school.doctor", "孙仁", "校医", "doctor", "school", "school"),
    ("city.discipline", "蒋正清", "派驻纪检监察组纪检监察员", "discipline_officer", "root", "office:办公室"),
]
# At province scale, above the demo city: the provincial department's leader and a staff member of its
# basic-education office (home offices of the department, roles at its root).
PROVINCE_LOGINS = [
    ("province.director", "高振华", "厅长", "bureau_leader", "province", "province_office:办公室"),
    ("province.admin", "方志远", "基础教育处处长", "bureau_staff", "province", "province_office:基础教育处"),
]


@dataclass
class LoadReport:
    scale: str
    seconds: float
    rows: int
    counts: dict[str, int]


def database_is_empty() -> bool:
    return not OrgUnit.objects.exists()


def load(*, scale: str = "small", seed: int = 20261128) -> LoadReport:
    if not database_is_empty():
        raise RuntimeError("数据库中已有数据，演示数据只能载入空数据库")
    started = time.perf_counter()
    ids = Ids(
        unit=next_id(OrgUnit),
        user=next_id(User),
        assignment=next_id(RoleAssignment),
        student=next_id(Student),
        guardian=next_id(Guardian),
    )
    generator = Generator(SCALES[scale], seed, ids)
    rows = 0
    with removed_on_failure(), transaction.atomic():
        for model, fields, batch in generator.batches():
            rows += insert_rows(model, fields, batch)
        reset_sequences([OrgUnit, User, RoleAssignment, Student, Guardian])
        create_demo_logins(generator.city)
        # The demo steps query the tables just bulk-loaded; without statistics PostgreSQL plans them as if empty
        # (a guardian lookup by enrolled students of a subtree ran for minutes).
        analyze([OrgUnit, User, RoleAssignment, Student, Guardian])
        enrolment.invalidate()  # the students were bulk-inserted: no signals
        counts = dict(generator.city.counts)
        counts.update(run_steps(DemoContext(generator.city, scale, seed, timezone.localdate())))
        append(
            actor=None,
            entries=[
                Entry(
                    action="demo_load",
                    object_type="demo.city",
                    object_repr=f"演示城市（{SCALE_NAMES.get(scale, '其他规模')}）",
                    unit_path=OrgUnit.objects.get(pk=generator.city.province or generator.city.root).path,
                    changes={"scale": scale, "seed": seed, **counts},
                )
            ],
        )
    if connection.vendor == "postgresql":
        # Fresh bulk-loaded tables have no statistics until autovacuum runs; plan well from the start.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return LoadReport(scale, time.perf_counter() - started, rows, counts)


def _province_office(city: DemoCity, name: str) -> OrgUnit:
    province = OrgUnit.objects.get(pk=city.province)
    return OrgUnit.objects.get(path__startswith=province.path, depth=province.depth + 1, name=name)


def create_demo_logins(city: DemoCity) -> None:
    school = OrgUnit.objects.get(pk=city.first_school)
    targets = {
        "root": OrgUnit.objects.get(pk=city.root),
        "district": OrgUnit.objects.get(pk=city.districts[0]),
        "school": school,
        "class": OrgUnit.objects.get(pk=city.first_class),
    }
    logins = list(DEMO_LOGINS)
    if city.province:
        targets["province"] = OrgUnit.objects.get(pk=city.province)
        logins += PROVINCE_LOGINS
    probe = User()
    probe.set_password(DEMO_PASSWORD)
    password_hash = probe.password
    for username, full_name, title, role, scope, home in logins:
        if home.startswith("office:"):
            unit = OrgUnit.objects.get(pk=city.offices[home.split(":", 1)[1]])
        elif home.startswith("province_office:"):
            unit = _province_office(city, home.split(":", 1)[1])
        else:
            unit = targets[home]
        user = User.objects.create(
            username=username,
            full_name=full_name,
            title=title,
            unit=unit,
            is_demo=True,
            password=password_hash,
            phone="13900000000",
        )
        RoleAssignment.objects.create(user=user, role=role, unit=targets[scope])
    # The demo teacher takes over the first class from its generated class teacher.
    RoleAssignment.objects.filter(
        user_id=city.first_class_teacher_user, role="class_teacher", unit_id=city.first_class
    ).delete()
    # The principal is also the school's roster administrator: shows the acting-unit switch.
    principal = User.objects.get(username="school.principal")
    RoleAssignment.objects.create(user=principal, role="school_staff", unit=school)
    assert school.kind == UnitKind.SCHOOL
