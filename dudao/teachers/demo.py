"""Demo 教师档案: a profile for every school staff member of the demo city (bulk: ~70,000 at city scale), with
psychology certificates for about a fifth of the teachers, first-aid certificates for the school doctors, one
security-guard certificate expiring within the month and one expired at the demo school, and one past transfer.

Deterministic (seeded); dates follow the demo clock."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.bulk import adapt_datetime, insert_rows, next_id, reset_sequences
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.text import id_card_check_digit
from dudao.teachers.models import Certificate, Posting, StaffProfile

MANAGEMENT = {"校长", "副校长", "德育主任", "安全专干"}
QUALIFICATION_BY_TYPE = {
    "kindergarten": "kindergarten",
    "primary": "primary",
    "junior": "junior",
    "nine_year": "junior",
    "senior": "senior",
    "complete": "senior",
    "vocational": "vocational",
}
TITLE_WEIGHTS = [("senior_professor", 1), ("senior", 18), ("first", 38), ("second", 28), ("third", 3), ("none", 12)]


def _plain(value: Any) -> Any:
    """Dates as ISO text: the form both databases' bulk paths take."""
    return value.isoformat() if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else value


def _id_number(rng: random.Random, used: set[str], male: bool, birth: dt.date) -> str:
    while True:
        first17 = f"3601{rng.randint(1, 30):02d}{birth:%Y%m%d}{rng.randrange(0, 500) * 2 + (1 if male else 0):03d}"
        number = first17 + id_card_check_digit(first17)
        if number not in used:
            used.add(number)
            return number


@demo_step(order=150)
def teacher_profiles(context: DemoContext) -> dict[str, int]:
    rng = random.Random(context.seed * 31 + 22)  # noqa: S311 (deterministic demo data, not security)
    today = context.today
    city = OrgUnit.objects.get(pk=context.city.root)
    school_types = dict(
        OrgUnit.objects.filter(path__under=city.path, kind=UnitKind.SCHOOL).values_list("id", "school_type")
    )
    people = list(
        User.objects.filter(unit_id__in=school_types, is_active=True)
        .order_by("id")
        .values_list("id", "title", "unit_id")
    )
    used: set[str] = set()
    profile_id, certificate_id = next_id(StaffProfile), next_id(Certificate)
    now = adapt_datetime(timezone.now())
    profiles: list[tuple[Any, ...]] = []
    certificates: list[tuple[Any, ...]] = []
    by_user: dict[int, int] = {}
    for user_id, title, unit_id in people:
        male = rng.random() < 0.3
        age = rng.randint(23, 58)
        birth = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        started = dt.date(birth.year + rng.randint(21, 24), rng.choice([7, 8, 9]), 1)
        started = min(started, today - dt.timedelta(days=30))
        post = "management" if title in MANAGEMENT else "auxiliary" if title == "校医" else "teaching"
        subjects = title.replace("教师、班主任", "").replace("教师", "") if "教师" in title else ""
        rank = rng.choices([t for t, _ in TITLE_WEIGHTS], weights=[w for _, w in TITLE_WEIGHTS])[0]
        if age < 28 and rank in ("senior_professor", "senior"):
            rank = "second"
        title_date = (
            min(today, started + dt.timedelta(days=365 * rng.randint(1, max(1, (today - started).days // 365))))
            if rank != "none"
            else None
        )
        qualification = "" if post == "auxiliary" else QUALIFICATION_BY_TYPE.get(school_types[unit_id] or "", "primary")
        number = _id_number(rng, used, male, birth)
        profiles.append(
            (
                profile_id,
                user_id,
                "M" if male else "F",
                birth,
                number,
                post,
                "established" if rng.random() < 0.86 else rng.choice(["contract", "purchased"]),
                subjects,
                "班主任" in title,
                rank,
                title_date,
                qualification,
                f"{started.year}{rng.randint(3600000000, 3699999999)}" if qualification else "",
                started,
                now,
                1,
            )
        )
        by_user[user_id] = profile_id
        psych = title == "心理教师" or (post == "teaching" and rng.random() < 0.18)
        if psych:
            kind = "psych_b" if title == "心理教师" else rng.choice(["psych_c", "psych_c", "psych_c", "psych_b"])
            issued = min(today - dt.timedelta(days=40), started + dt.timedelta(days=rng.randint(200, 3000)))
            certificates.append(
                (certificate_id, profile_id, kind, "", f"XL{issued.year}{rng.randint(10000, 99999)}", issued, None, now)
            )
            certificate_id += 1
        if title == "校医":
            issued = today - dt.timedelta(days=rng.randint(100, 1000))
            certificates.append(
                (
                    certificate_id,
                    profile_id,
                    "first_aid",
                    "",
                    f"JJ{rng.randint(100000, 999999)}",
                    issued,
                    issued + dt.timedelta(days=365 * 3),
                    now,
                )
            )
            certificate_id += 1
        profile_id += 1
    fields = [
        "id",
        "user",
        "gender",
        "birth_date",
        "id_card_no",
        "post",
        "employment",
        "subjects",
        "is_class_teacher",
        "title",
        "title_date",
        "qualification",
        "qualification_no",
        "work_started_on",
        "updated_at",
        "version",
    ]
    insert_rows(StaffProfile, fields, [tuple(_plain(v) for v in row) for row in profiles])
    # At the demo school: the safety officer's 保安员证 expires within the month, the principal's first-aid card
    # has expired; the deputy head came from another school last year.
    school = context.city.first_school
    staff = {t: u for u, t, unit in people if unit == school}
    specials = [
        (staff.get("安全专干"), "guard", today + dt.timedelta(days=12)),
        (staff.get("校长"), "first_aid", today - dt.timedelta(days=20)),
    ]
    for user_id, kind, expires in specials:
        if user_id in by_user:
            certificates.append(
                (
                    certificate_id,
                    by_user[user_id],
                    kind,
                    "",
                    f"BA{rng.randint(100000, 999999)}",
                    expires - dt.timedelta(days=365 * 3),
                    expires,
                    now,
                )
            )
            certificate_id += 1
    insert_rows(
        Certificate, ["id", "profile", "kind", "name", "number", "issued_on", "expires_on", "created_at"], certificates
    )
    postings = 0
    deputy = staff.get("副校长")
    other = next((u for u in school_types if u != school), None)
    if deputy and other:
        moved = today - dt.timedelta(days=400)
        Posting.objects.create(
            user_id=deputy,
            unit_id=other,
            started_on=moved - dt.timedelta(days=365 * 6),
            ended_on=moved - dt.timedelta(days=1),
            note="交流轮岗",
        )
        Posting.objects.create(user_id=deputy, unit_id=school, started_on=moved, note="交流轮岗")
        postings = 2
    reset_sequences([StaffProfile, Certificate])
    return {"teacher_profiles": len(profiles), "teacher_certificates": len(certificates), "teacher_postings": postings}
