"""The rectification ledger data set shared by bench.ledger and bench.ledger_export.

60,000 rectification items (each with its Finding) spread over every school of the city demo,
generated deterministically (fixed seed, fixed "today" `TODAY`) and inserted with
`dudao.core.bulk.insert_rows`, plus two bench users:

- `bench.ledger.district`: district_admin of the first district (its only, hence acting, assignment);
- `bench.ledger.city`: bureau_staff at the root (city-wide ledger).

Mix: statuses open 20 % / in_progress 32 % / awaiting_verification 8 % / closed 40 %; ten
categories with 校园环境 the most common (~25 %); 3/4 from eight inspection rounds, 1/4 handed over
from outside; owners from the school's own staff (half of the open items still without one);
due dates around `TODAY`, so a good share of the unfinished items is overdue.

Caching: on SQLite the data set lives in bench/.data/ledger.sqlite3, a copy of the city demo
database (bench/.data/city.sqlite3, loaded first if missing) with the items added; it is reused
while its marker (the bench framework row, written in the same transaction as the items) is
there. With DATABASE_URL set, the configured database is used: the city demo is loaded if the
database is empty (without the apps' demo steps, like the cached SQLite city), the items
are added once.

Every figure passes `today=TODAY` to the selectors, so the overdue counts do not drift with the
calendar (the product passes `timezone.localdate()` instead; same code path).
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import common

LABEL = "ledger"
ITEMS = 60_000
SEED = 20261129
TODAY = dt.date(2026, 11, 28)
MARKER = "bench.ledger 测评体系（60000 项）"
DISTRICT_USER = "bench.ledger.district"
CITY_USER = "bench.ledger.city"
COMMON_CATEGORY = "校园环境"

CATEGORIES = [
    ("校园环境", 25),
    ("安全管理", 18),
    ("食品卫生", 12),
    ("档案资料", 10),
    ("宿舍管理", 8),
    ("德育工作", 8),
    ("公益广告", 7),
    ("心理健康", 5),
    ("教学常规", 4),
    ("其他", 3),
]
STATUSES = [("open", 20), ("in_progress", 32), ("awaiting_verification", 8), ("closed", 40)]
PLACES = ["教学楼", "实验楼", "食堂", "宿舍楼", "操场", "校门口", "图书馆", "行政楼", "体育馆", "围墙周边"]
PROBLEMS = [
    "消防通道堆放杂物",
    "灭火器过期未更换",
    "墙面宣传栏内容陈旧",
    "垃圾分类标识不清",
    "地面有积水未及时清理",
    "安全出口指示灯损坏",
    "公益广告数量不足",
    "台账资料未按月归档",
    "晨午检记录不完整",
    "食品留样记录缺失",
    "宿舍夜间巡查记录缺失",
    "心理辅导室未按时开放",
    "电线私拉乱接",
    "护栏松动存在安全隐患",
    "卫生死角未清理",
    "值班记录不规范",
]
MEASURES = ["立即清理并建立日常巡查制度", "更换设备并登记台账", "补齐资料并明确专人负责", "整改到位后拍照留档"]
SOURCES = ["省文明办实地测评反馈", "市督导室暗访通报", "12345 热线转办"]
KIND_NAMES = {"field": "实地测评", "revisit": "回头看", "unannounced": "暗访", "mock": "模拟测评", "self": "学校自查"}
INSPECTION_KINDS = ["field", "revisit", "unannounced", "mock", "self", "field", "revisit", "mock"]


@dataclass
class Dataset:
    district_user: Any
    city_user: Any
    district: Any
    today: dt.date
    common_category: str
    items: int


def _weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def is_built() -> bool:
    from dudao.accounts.models import User
    from dudao.inspections.models import Framework
    from dudao.rectification.models import RectificationItem

    return (
        Framework.objects.filter(name=MARKER).exists()
        and User.objects.filter(username__in=[DISTRICT_USER, CITY_USER]).count() == 2
        and RectificationItem.objects.count() >= ITEMS
    )


def _copy_city_sqlite() -> None:
    """bench/.data/ledger.sqlite3 := a consistent copy of bench/.data/city.sqlite3 (SQLite backup API)."""
    from django.db import connection

    connection.close()
    source_path = common.sqlite_path("city")
    target_path = common.sqlite_path(LABEL)
    partial = Path(f"{target_path}.partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    common.remove_sqlite_files(target_path)
    partial.rename(target_path)


def _no_demo_steps(context: Any) -> dict[str, int]:
    common.log("city demo: the apps' demo steps are skipped (the bench adds its own ledger)")
    return {}


def prepare() -> Dataset:
    """Point the default connection at the ledger data set, building it first if needed."""
    from bench.scoping import ensure_city
    from dudao.accounts.models import User

    if common.is_sqlite():
        if common.sqlite_path(LABEL).exists():
            common.use_database(LABEL, fresh=False)
        if not common.sqlite_path(LABEL).exists() or not is_built():
            ensure_city()  # bench/.data/city.sqlite3, loaded first if missing
            started = time.perf_counter()
            _copy_city_sqlite()
            seconds = time.perf_counter() - started
            common.log(f"copied the city demo database to {common.sqlite_path(LABEL)} in {seconds:.1f}s")
            common.use_database(LABEL, fresh=False)
    else:
        # A throwaway database: load the city without the apps' demo steps, so that the data set is
        # the same as the cached SQLite city (built by the generator alone): the bench's items only.
        from dudao.demo import loader

        run_steps = loader.run_steps
        loader.run_steps = _no_demo_steps
        try:
            ensure_city()
        finally:
            loader.run_steps = run_steps
    if is_built():
        common.log("reusing the ledger data set")
    else:
        common.log(f"generating the ledger data set ({ITEMS:,} findings + items) ...")
        started = time.perf_counter()
        rows = generate()
        seconds = time.perf_counter() - started
        common.log(f"ledger data set: {rows:,} rows in {seconds:.1f}s (generation + insert, one transaction)")
    if not common.is_sqlite():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        common.log("ran ANALYZE (PostgreSQL)")
    from dudao.rectification.models import RectificationItem

    district_user = User.objects.get(username=DISTRICT_USER)
    city_user = User.objects.get(username=CITY_USER)
    from dudao.orgs.scoping import acting_assignment

    district = acting_assignment(district_user).unit  # type: ignore[union-attr]
    return Dataset(
        district_user=district_user,
        city_user=city_user,
        district=district,
        today=TODAY,
        common_category=COMMON_CATEGORY,
        items=RectificationItem.objects.count(),
    )


def generate(items: int = ITEMS, seed: int = SEED) -> int:
    """Insert the bench users, one framework, eight rounds, `items` findings and their items. Returns rows."""
    from django.db import transaction
    from django.utils import timezone

    from dudao.accounts.models import User
    from dudao.core.bulk import adapt_datetime, insert_rows, next_id, reset_sequences
    from dudao.inspections.models import Finding, Framework, FrameworkVersion, Inspection
    from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind
    from dudao.rectification.models import RectificationItem

    rng = random.Random(seed)
    tz = timezone.get_current_timezone()
    noon = dt.datetime.combine(TODAY, dt.time(12), tzinfo=tz)

    def stamp(value: dt.datetime) -> Any:
        return adapt_datetime(value)

    with transaction.atomic():
        root = OrgUnit.objects.get(depth=1)
        district = OrgUnit.objects.filter(kind=UnitKind.DISTRICT).order_by("path").first()
        if district is None:
            raise SystemExit("the city demo has no district")
        district_user = User.objects.create(username=DISTRICT_USER, full_name="基准区县管理员", unit=district)
        RoleAssignment.objects.create(user=district_user, role="district_admin", unit=district)
        city_user = User.objects.create(username=CITY_USER, full_name="基准科室人员", unit=root)
        RoleAssignment.objects.create(user=city_user, role="bureau_staff", unit=root)
        framework = Framework.objects.create(name=MARKER, unit=root, created_by=city_user)
        version = FrameworkVersion.objects.create(framework=framework, number=1)
        rounds = []
        for index, kind in enumerate(INSPECTION_KINDS):
            starts = TODAY - dt.timedelta(days=150 - index * 18)
            rounds.append(
                Inspection.objects.create(
                    name=f"2026 年第 {index + 1} 轮{KIND_NAMES[kind]}",
                    kind=kind,
                    unit=root,
                    framework_version=version,
                    starts_on=starts,
                    ends_on=starts + dt.timedelta(days=5),
                    status="published",
                    created_by=city_user,
                ).pk
            )

        schools = list(
            OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False).order_by("path").values_list("id", flat=True)
        )
        staff: dict[int, list[int]] = defaultdict(list)
        for user_id, unit_id in (
            User.objects.filter(unit__kind=UnitKind.SCHOOL).order_by("id").values_list("id", "unit_id").iterator()
        ):
            staff[unit_id].append(user_id)
        checkers = list(
            RoleAssignment.objects.filter(role__in=["inspector", "district_admin", "bureau_staff"])
            .order_by("id")
            .values_list("user_id", flat=True)
        )

        finding_id = next_id(Finding)
        item_id = next_id(RectificationItem)
        findings: list[tuple[Any, ...]] = []
        rows: list[tuple[Any, ...]] = []
        for n in range(items):
            school = rng.choice(schools)
            category = _weighted(rng, CATEGORIES)
            description = f"{rng.choice(PLACES)}{rng.choice(PROBLEMS)}"
            severity = "serious" if rng.random() < 0.2 else "general"
            status = _weighted(rng, STATUSES)
            # Closed items are older on average; unfinished ones mostly from the last six weeks.
            age = rng.randrange(20, 150) if status == "closed" else rng.randrange(0, 45)
            created = noon - dt.timedelta(days=age, minutes=rng.randrange(600))
            due_date = created.date() + dt.timedelta(days=3 if severity == "serious" else rng.randrange(5, 22))
            due_limit = due_date + dt.timedelta(days=rng.randrange(0, 15))
            inspection = rng.choice(rounds) if rng.random() < 0.75 else None
            source = "" if inspection else rng.choice(SOURCES)
            candidates = staff.get(school) or [city_user.pk]
            owner = None if status == "open" and rng.random() < 0.5 else rng.choice(candidates)
            responsibility = rng.choice(MEASURES) if owner else ""
            progress = {"open": 0, "in_progress": rng.randrange(10, 95, 5)}.get(status, 100)
            requested_by = requested_at = closed_by = closed_at = None
            if status in ("awaiting_verification", "closed"):
                requested_by = owner
                requested_at = created + dt.timedelta(days=rng.randrange(1, 15), hours=3)
            if status == "closed":
                closed_by = rng.choice(checkers)
                closed_at = requested_at + dt.timedelta(days=rng.randrange(0, 5), hours=2)  # type: ignore[operator]
            updated = closed_at or requested_at or created
            findings.append(
                (
                    finding_id + n,
                    school,
                    inspection,
                    category,
                    description,
                    severity,
                    due_limit.isoformat(),
                    source,
                    rng.choice(checkers),
                    stamp(created),
                )
            )
            rows.append(
                (
                    item_id + n,
                    finding_id + n,
                    school,
                    inspection,
                    category,
                    description,
                    owner,
                    responsibility,
                    due_date.isoformat(),
                    due_limit.isoformat(),
                    progress,
                    status,
                    requested_by,
                    stamp(requested_at) if requested_at else None,
                    closed_by,
                    stamp(closed_at) if closed_at else None,
                    stamp(created),
                    stamp(updated),
                    1,
                    # Every NOT NULL column without a database default is named (COPY on PostgreSQL fills none).
                    "inspection" if inspection else "other",
                    "" if inspection else source,
                    False,
                    "",
                    "",
                )
            )
        count = insert_rows(
            Finding,
            [
                "id",
                "school",
                "inspection",
                "category",
                "description",
                "severity",
                "due_limit",
                "source",
                "created_by",
                "created_at",
            ],
            findings,
        )
        count += insert_rows(
            RectificationItem,
            [
                "id",
                "finding",
                "school",
                "inspection",
                "category",
                "description",
                "owner",
                "responsibility",
                "due_date",
                "due_limit",
                "progress",
                "status",
                "closeout_requested_by",
                "closeout_requested_at",
                "closed_by",
                "closed_at",
                "created_at",
                "updated_at",
                "version",
                "source",
                "source_ref",
                "verified_in_school",
                "recheck_status",
                "recheck_note",
            ],
            rows,
        )
        reset_sequences([Finding, RectificationItem])
    # No ANALYZE on SQLite: the product never runs it there, so the bench plans as production does.
    return count + 4 + len(rounds) + 2
