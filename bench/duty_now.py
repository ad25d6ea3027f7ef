"""duty_now_ms: "who is on duty now" for a whole city, as the bureau sees it.

Value: mean ms of `dudao.duty.selectors.on_duty_now(user)` for a bureau_staff at the root of a city-sized tree
(12 districts × 125 schools + bureau and districts = 1,513 units), with a month's roster for every unit
(a 24-hour leader shift and two 12-hour staff shifts a day: about 140,000 shifts, most signed in) and a few
approved leave requests. It returns every unit with its leaders, staff (person, phone, sign-in) and who is away.
Baseline: one plain SQL query on the same connection returning the shifts in force now under the root, joined
with the person and the sign-in, as tuples (no unit list, no leave, no objects).
Ratio: value / baseline. Both are warmed, interleaved (alternating which goes first) and repeated; the median
repetition is reported.

    python -m bench.duty_now [--repeat 7] [--calls 5]

Builds its own database (bench/.data/duty_now.sqlite3, or the configured DATABASE_URL, emptied first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import time
from typing import Any

from bench import common

DISTRICTS, SCHOOLS = 12, 125
DAYS = 31


def step(n: int) -> str:
    from dudao.demo.generator import step as encode

    return encode(n)


def build() -> Any:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from dudao.accounts.models import User
    from dudao.core.bulk import insert_rows
    from dudao.duty.models import (
        DutyRoster,
        DutyShift,
        DutySignIn,
        LeaveCampaign,
        LeaveRequest,
        LeaveStatus,
        RosterStatus,
        ShiftRole,
    )
    from dudao.orgs.models import OrgUnit, RoleAssignment

    common.use_database("duty_now", fresh=True)
    root = OrgUnit.objects.create(path=step(1), depth=1, numchild=DISTRICTS, name="基准市教育局", kind="bureau")
    units = [root]
    for d in range(1, DISTRICTS + 1):
        district = OrgUnit(path=root.path + step(d), depth=2, numchild=SCHOOLS, name=f"第{d}区教育局", kind="district")
        units.append(district)
        for s in range(1, SCHOOLS + 1):
            units.append(
                OrgUnit(
                    path=district.path + step(s),
                    depth=3,
                    numchild=0,
                    name=f"第{d}区第{s}学校",
                    kind="school",
                    school_type="primary",
                )
            )
    units = [root, *OrgUnit.objects.bulk_create(units[1:], batch_size=2000)]
    password = make_password("bench-only")
    people = []
    for unit in units:
        for title in ("校长", "副校长", "安全专干", "校医"):
            people.append(
                User(
                    username=f"u{unit.pk}-{len(people)}",
                    password=password,
                    full_name=f"{title}{unit.pk}",
                    title=title,
                    phone="13800000000",
                    unit=unit,
                )
            )
    people = User.objects.bulk_create(people, batch_size=2000)
    viewer = User.objects.create(username="bench.bureau", password=password, full_name="基准科员", unit=root)
    RoleAssignment.objects.create(user=viewer, role="bureau_staff", unit=root)
    by_unit: dict[int, list[User]] = {}
    for person in people:
        by_unit.setdefault(person.unit_id, []).append(person)  # type: ignore[arg-type]
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = today - dt.timedelta(days=DAYS - 10)
    rosters = DutyRoster.objects.bulk_create(
        [
            DutyRoster(
                unit=u,
                title="值班表",
                starts_on=start,
                ends_on=start + dt.timedelta(days=DAYS - 1),
                status=RosterStatus.PUBLISHED,
                created_by=viewer,
            )
            for u in units
        ],
        batch_size=2000,
    )
    now = timezone.now()
    shift_rows = []
    shift_id = 1
    signin_rows = []
    for roster, unit in zip(rosters, units, strict=True):
        leaders, staff = by_unit[unit.pk][:2], by_unit[unit.pk][2:]
        for n in range(DAYS):
            eight = dt.datetime.combine(start + dt.timedelta(days=n), dt.time(8), tzinfo=tz)
            for person, role, begins, hours in (
                (leaders[n % 2], ShiftRole.LEADER, eight, 24),
                (staff[0], ShiftRole.STAFF, eight, 12),
                (staff[1], ShiftRole.STAFF, eight + dt.timedelta(hours=12), 12),
            ):
                ends = begins + dt.timedelta(hours=hours)
                shift_rows.append((shift_id, roster.pk, unit.pk, person.pk, role, begins, ends, person.phone, now))
                if begins <= now and shift_id % 17:
                    signin_rows.append((shift_id, shift_id, person.pk, begins, "bench", False))
                shift_id += 1
    from dudao.core.bulk import adapt_datetime

    insert_rows(
        DutyShift,
        ["id", "roster", "unit", "person", "role", "starts_at", "ends_at", "phone", "created_at"],
        [(*r[:5], adapt_datetime(r[5]), adapt_datetime(r[6]), r[7], adapt_datetime(r[8])) for r in shift_rows],
    )
    insert_rows(
        DutySignIn,
        ["id", "shift", "person", "signed_at", "user_agent", "is_late"],
        [(*r[:3], adapt_datetime(r[3]), r[4], r[5]) for r in signin_rows],
    )
    from dudao.core.bulk import reset_sequences

    reset_sequences([DutyShift, DutySignIn])
    campaign = LeaveCampaign.objects.create(
        unit=root, title="管控期", starts_on=today, ends_on=today + dt.timedelta(days=9), created_by=viewer
    )
    LeaveRequest.objects.bulk_create(
        [
            LeaveRequest(
                campaign=campaign,
                applicant=by_unit[u.pk][0],
                unit=u,
                starts_on=today,
                ends_on=today + dt.timedelta(days=1),
                destination="省城",
                reason="会议",
                deputy=by_unit[u.pk][1],
                status=LeaveStatus.APPROVED,
            )
            for u in units[::40]
        ]
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    common.log(f"built {len(units):,} units, {len(shift_rows):,} shifts, {len(signin_rows):,} sign-ins")
    return viewer, root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    common.configure("duty_now")
    from django.db import connection
    from django.utils import timezone

    from dudao.duty.selectors import on_duty_now
    from dudao.orgs.scoping import assignments_of

    viewer, root = build()
    assignments_of(viewer)  # the request's cached assignments, as in a page view
    vendor = connection.vendor
    under = "GLOB %s" if vendor == "sqlite" else "LIKE %s"
    pattern = root.path + ("*" if vendor == "sqlite" else "%")
    sql = (
        "SELECT s.id, s.unit_id, s.role, s.phone, s.starts_at, s.ends_at, p.id, p.full_name, p.title, "
        "si.id, si.signed_at FROM duty_dutyshift s "
        "JOIN orgs_orgunit u ON u.id = s.unit_id "
        "JOIN duty_dutyroster r ON r.id = s.roster_id "
        "JOIN accounts_user p ON p.id = s.person_id "
        "LEFT JOIN duty_dutysignin si ON si.shift_id = s.id "
        f"WHERE u.path {under} AND s.starts_at <= %s AND s.ends_at > %s AND r.status = 'published' "
        "ORDER BY s.starts_at, s.id"
    )

    def orm() -> int:
        rows = on_duty_now(viewer, at=now)
        return sum(len(r.leaders) + len(r.staff) for r in rows)

    def raw() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [pattern, connection.ops.adapt_datetimefield_value(now), connection.ops.adapt_datetimefield_value(now)],
            )
            return len(cursor.fetchall())

    now = timezone.now()
    on_duty, plain = orm(), raw()
    assert on_duty == plain, (on_duty, plain)
    common.log(f"{on_duty:,} shifts in force now across the city")
    values, baselines = [], []
    for repetition in range(args.repeat):
        pair = [("orm", orm), ("raw", raw)]
        if repetition % 2:
            pair.reverse()
        timings: dict[str, float] = {}
        for name, fn in pair:
            gc.collect()
            started = time.perf_counter()
            for _ in range(args.calls):
                fn()
            timings[name] = (time.perf_counter() - started) * 1000 / args.calls
        values.append(timings["orm"])
        baselines.append(timings["raw"])
        common.log(
            f"repetition {repetition + 1}: on_duty_now {timings['orm']:.1f} ms, plain query {timings['raw']:.1f} ms"
        )
    value, baseline = common.median(values), common.median(baselines)
    common.result("duty_now_ms", value, "ms", baseline, value / baseline)


if __name__ == "__main__":
    main()
