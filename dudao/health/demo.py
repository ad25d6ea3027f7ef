"""Demo data for 晨午检: 30 days of morning checks for every class (bulk insert), seasonal background illness
(0.5–2 %/day), an influenza-like cluster in the first school that fires rules 1 and 3 (its alerts being handled),
a chickenpox case awaiting clearance, and a school whose supplies last under 30 days.

The background history is inserted directly (no rules run on it, as on a day already past); the cluster, the
chickenpox case and the alert handling go through the services so that audit events and alerts are real.
Today's check of `school.teacher`'s class is left undone for a visitor to try. At city scale only the first
district gets history, to keep the load quick.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.bulk import adapt_datetime, insert_rows, next_id, reset_sequences
from dudao.demo.registry import DemoContext, demo_step
from dudao.health import services
from dudao.health.models import AbsenceRecord, Alert, DailyCheck, Disease, FollowUpStatus, SupplyKind, SupplyRecord
from dudao.orgs.models import OrgUnit, Student, StudentStatus, UnitKind

HISTORY_DAYS = 30
CLUSTER_DAYS = (4, 3, 2, 1)  # school days before today handled through the services in the first school


def school_day_before(today: dt.date, n: int) -> dt.date:
    """The n-th weekday before today."""
    day = today
    while n:
        day -= dt.timedelta(days=1)
        n -= day.weekday() < 5
    return day


def seasonal_rate(day: dt.date) -> float:
    """Background illness-absence rate: about 2 % in winter, 0.5 % in summer."""
    return {
        12: 0.018,
        1: 0.02,
        2: 0.017,
        3: 0.014,
        4: 0.011,
        5: 0.008,
        6: 0.006,
        7: 0.005,
        8: 0.005,
        9: 0.008,
        10: 0.011,
        11: 0.015,
    }[day.month]


BACKGROUND = [  # (symptoms, temperature range, weight)
    (["fever", "cough"], (37.3, 38.4), 35),
    (["cough", "sore_throat"], (36.6, 37.4), 20),
    (["fever"], (37.5, 38.6), 10),
    (["diarrhoea"], None, 10),
    (["vomiting", "diarrhoea"], None, 5),
    (["other"], None, 20),
]


def _school_days(today: dt.date) -> list[dt.date]:
    days = [today - dt.timedelta(days=n) for n in range(HISTORY_DAYS, 0, -1)]
    return [d for d in days if d.weekday() < 5] + [today]


@demo_step(order=60)
def health_demo(ctx: DemoContext) -> dict[str, int]:
    from importlib import import_module

    from django.apps import apps

    # The disease and threshold tables come from a data migration; a flushed test database has lost them.
    import_module("dudao.health.migrations.0002_default_diseases").load(apps, None)
    rng = random.Random(ctx.seed * 7919 + 6)  # noqa: S311 (deterministic demo data)
    today = ctx.today
    first_district = OrgUnit.objects.get(pk=ctx.city.districts[0])
    scope = first_district if ctx.scale != "small" else OrgUnit.objects.get(pk=ctx.city.root)
    schools = {u.path: u.pk for u in OrgUnit.objects.filter(kind=UnitKind.SCHOOL, path__under=scope.path)}
    classes: dict[int, tuple[int, str]] = {}
    for pk, path in OrgUnit.objects.filter(kind=UnitKind.CLASS, path__under=scope.path, is_closed=False).values_list(
        "pk", "path"
    ):
        school = next((schools[path[:i]] for i in range(4, len(path), 4) if path[:i] in schools), None)
        if school is not None:
            classes[pk] = (school, path)
    roster: dict[int, list[int]] = defaultdict(list)
    for pk, klass in Student.objects.filter(klass_id__in=classes, status=StudentStatus.ENROLLED).values_list(
        "pk", "klass_id"
    ):
        roster[klass].append(pk)
    first_school = ctx.city.first_school
    teacher_class = ctx.city.first_class
    first_school_classes = sorted(k for k, (s, _) in classes.items() if s == first_school)
    service_days = {school_day_before(today, n) for n in CLUSTER_DAYS}

    check_id = next_id(DailyCheck)
    absence_id = next_id(AbsenceRecord)
    checks: list[tuple[Any, ...]] = []
    absences: list[tuple[Any, ...]] = []
    weights = [w for _, _, w in BACKGROUND]
    now = timezone.now()
    for day in _school_days(today):
        rate = seasonal_rate(day) * (0.8 + 0.4 * rng.random())
        submitted = adapt_datetime(timezone.make_aware(dt.datetime.combine(day, dt.time(7, 40))))
        for klass, (school, _) in classes.items():
            if school == first_school and day in service_days:
                continue  # through the services below
            if day == today and (klass == teacher_class or rng.random() < 0.08):
                continue  # not yet checked today
            pupils = roster.get(klass, [])
            if not pupils:
                continue
            ill = [p for p in pupils if rng.random() < rate][:2]
            other = [p for p in pupils if p not in ill and rng.random() < 0.004]
            for student in ill:
                symptoms, temps, _ = rng.choices(BACKGROUND, weights)[0]
                temp = Decimal(f"{rng.uniform(*temps):.1f}") if temps else None
                disease = "ILI" if temp is not None and temp >= 38 and {"cough", "sore_throat"} & set(symptoms) else ""
                syndrome = (
                    "respiratory"
                    if {"fever", "cough", "sore_throat"} & set(symptoms)
                    else ("gastro" if {"diarrhoea", "vomiting"} & set(symptoms) else "other")
                )
                status = FollowUpStatus.PENDING if day == today else FollowUpStatus.TRACED
                absences.append(
                    (
                        absence_id,
                        check_id,
                        student,
                        klass,
                        school,
                        day,
                        "illness",
                        json.dumps(symptoms),
                        temp,
                        syndrome,
                        disease,
                        status,
                        day != today,
                        "",
                        "",
                        1,
                    )
                )
                absence_id += 1
            for student in other:
                absences.append(
                    (
                        absence_id,
                        check_id,
                        student,
                        klass,
                        school,
                        day,
                        "other",
                        "[]",
                        None,
                        "",
                        "",
                        FollowUpStatus.PENDING,
                        False,
                        "",
                        "",
                        1,
                    )
                )
                absence_id += 1
            checks.append(
                (check_id, klass, school, day, "morning", len(pupils), len(ill), len(other), 0, "[]", submitted, 1)
            )
            check_id += 1
    insert_rows(
        DailyCheck,
        [
            "id",
            "klass",
            "school",
            "date",
            "session",
            "roster_size",
            "illness_count",
            "other_count",
            "unwell_count",
            "early_returns",
            "submitted_at",
            "version",
        ],
        checks,
    )
    insert_rows(
        AbsenceRecord,
        [
            "id",
            "check_record",
            "student",
            "klass",
            "school",
            "date",
            "reason",
            "symptoms",
            "temperature",
            "syndrome",
            "disease_code",
            "status",
            "guardian_contacted",
            "clinic",
            "note",
            "version",
        ],
        absences,
    )
    reset_sequences([DailyCheck, AbsenceRecord])
    alerts = _cluster_and_chickenpox(ctx, first_school_classes, roster, teacher_class, rng, now)
    supplies = _supplies(ctx, sorted(set(schools.values())), rng)
    return {
        "health_checks": DailyCheck.objects.count(),
        "health_absences": AbsenceRecord.objects.count(),
        "health_alerts": alerts,
        "health_supplies": supplies,
    }


def _cluster_and_chickenpox(
    ctx: DemoContext,
    school_classes: list[int],
    roster: dict[int, list[int]],
    teacher_class: int,
    rng: random.Random,
    now: dt.datetime,
) -> int:
    """Days -4..-1 of the first school through the services: an influenza-like cluster in one class spreading
    to its neighbours (rules 1 and 3), and a chickenpox case traced by the school doctor."""
    if not school_classes:
        return 0
    doctor = User.objects.get(username="school.doctor")
    others = [k for k in school_classes if k != teacher_class] or school_classes
    cluster_class = others[0]
    neighbours = others[1:3]
    pox_class = others[3] if len(others) > 3 else others[-1]
    pupils = roster[cluster_class]
    cough = ("fever", "cough", "sore_throat")
    plan: dict[int, dict[int, list[services.AbsenceInput]]] = defaultdict(lambda: defaultdict(list))
    # Influenza-like: 2 on day -4, 4 more on day -3 (rule 1: ≥3 in a day), 2 more on day -2, and 2 in each of
    # two neighbouring classes: 12 cases in the school within 7 days (rule 3: ILI ≥10 in 7 days).
    for back, start, stop in ((4, 0, 2), (3, 2, 6), (2, 6, 8)):
        for student in pupils[start:stop]:
            temp = round(rng.uniform(38.1, 39.4), 1)
            plan[back][cluster_class].append(services.AbsenceInput(student, "illness", cough, temp))
    for back, klass in (
        (3, neighbours[0] if neighbours else cluster_class),
        (2, neighbours[-1] if neighbours else cluster_class),
    ):
        taken = {a.student for day in plan.values() for a in day[klass]}
        for student in [p for p in roster[klass] if p not in taken][:2]:
            temp = round(rng.uniform(38.0, 39.0), 1)
            plan[back][klass].append(services.AbsenceInput(student, "illness", cough, temp))
    pox_student = roster[pox_class][-1] if roster[pox_class] else None
    for back in (3, 2, 1):
        if pox_student is not None:
            plan[back][pox_class].append(
                services.AbsenceInput(pox_student, "illness", ("rash", "fever"), 37.9, "VARICELLA")
            )
    raised: list[Alert] = []
    pox_absence = None
    for back in sorted(CLUSTER_DAYS, reverse=True):
        day = school_day_before(ctx.today, back)
        for klass in school_classes:
            unit = OrgUnit.objects.get(pk=klass)
            result = services.submit_check(
                actor=doctor, klass=unit, date=day, session="morning", absences=plan[back][klass]
            )
            raised += result.alerts
            if pox_student is not None and back == 3 and klass == pox_class:
                pox_absence = AbsenceRecord.objects.get(check_record=result.check, student_id=pox_student)
                services.record_followup(
                    actor=doctor,
                    absence=pox_absence,
                    diagnosis=Disease.objects.get(code="VARICELLA"),
                    guardian_contacted=True,
                    clinic="市第一人民医院儿科",
                    onset_date=day - dt.timedelta(days=1),
                    expected_return=ctx.today + dt.timedelta(days=11),
                    note="疱疹未全部结痂",
                    version=pox_absence.version,
                )
        submitted = timezone.make_aware(dt.datetime.combine(day, dt.time(7, 45)))
        DailyCheck.objects.filter(klass_id__in=school_classes, date=day).update(submitted_at=submitted)
    # The alerts are being handled: acknowledged, reported to the CDC, disinfection and isolation under way.
    for alert in raised:
        alert.refresh_from_db()
        created = timezone.make_aware(dt.datetime.combine(alert.on_date, dt.time(8, 5)))
        Alert.objects.filter(pk=alert.pk).update(created_at=created, report_due_at=created + dt.timedelta(hours=24))
        alert.refresh_from_db()
        alert = services.acknowledge_alert(actor=doctor, alert=alert, version=alert.version)
        Alert.objects.filter(pk=alert.pk).update(acknowledged_at=created + dt.timedelta(minutes=35))
        alert.refresh_from_db()
        alert = services.report_alert(
            actor=doctor,
            alert=alert,
            reported_at=created + dt.timedelta(hours=1, minutes=20),
            reference="区疾控中心 传染病科 接报人：刘医生",
            version=alert.version,
        )
        services.add_measure(
            actor=doctor,
            alert=alert,
            kind="disinfection",
            starts_on=alert.on_date,
            ends_on=None,
            note="教室、楼道每日两次含氯消毒，开窗通风",
            version=alert.version,
        )
        alert.refresh_from_db()
        services.add_measure(
            actor=doctor,
            alert=alert,
            kind="isolation",
            starts_on=alert.on_date,
            ends_on=alert.on_date + dt.timedelta(days=7),
            note="发热学生居家隔离，每日随访",
            version=alert.version,
        )
    return len(raised)


def _supplies(ctx: DemoContext, schools: list[int], rng: random.Random) -> int:
    """14 days of stock and use for every school; the first school has under 30 days of masks."""
    rows = []
    record_id = next_id(SupplyRecord)
    at = adapt_datetime(timezone.now().replace(microsecond=0))
    daily = {SupplyKind.MASK: 40, SupplyKind.THERMOMETER: 1, SupplyKind.DISINFECTANT: 3, SupplyKind.GLOVES: 10}
    for school in schools:
        for kind, use in daily.items():
            days_left = 18 if school == ctx.city.first_school and kind == SupplyKind.MASK else rng.randint(40, 120)
            stock = use * days_left + use * 14
            for back in range(13, -1, -1):
                used = max(0, round(use * rng.uniform(0.7, 1.3)))
                stock = max(0, stock - used)
                rows.append((record_id, school, kind, ctx.today - dt.timedelta(days=back), 0, used, stock, at))
                record_id += 1
    insert_rows(SupplyRecord, ["id", "school", "kind", "date", "received", "used", "stock", "recorded_at"], rows)
    reset_sequences([SupplyRecord])
    return len(rows)
