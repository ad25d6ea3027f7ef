"""warning_dispatch_s: dispatching a red rainstorm warning to every tagged school of a city vs bare bulk inserts of
the same rows.

Data (rebuilt each run in bench/.data/warning_dispatch.sqlite3): a city bureau over 12 districts of 50 schools
(600 schools); every other school carries a rainstorm tag (地势低洼, 水库下游, 河流沿岸 or 山体边坡), so ~300 are
proposed; each school has a principal; the bureau keeps a 防汛 plan of five steps; a district health officer's
colleague at the bureau (bureau_staff) enters a red rainstorm warning for the whole city.

Product: `warnings.services.dispatch_warning` — the warning locked, ONE directive with 签收 (directive, ~300
targets, its period and ~300 receipt rows), 加强值守 rosters for ~300 schools, ~300 principals notified (messages
and their deliveries), audit events — run inside a transaction that is then rolled back, so each repetition starts
from the same database. Baseline: the rows the product wrote, captured once and inserted again with Django's
`bulk_create`, table by table, in a transaction rolled back the same way (no lookups, no checks, no audit chain).

    python -m bench.warning_dispatch [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from bench import common

LABEL = "warning_dispatch"
DISTRICTS = 12
SCHOOLS_PER_DISTRICT = 50
RAIN_TAGS = ("地势低洼", "水库下游", "河流沿岸", "山体边坡")


def seg(n: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(4):
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def build() -> tuple[Any, int]:
    """The city, tags, principals and the bureau's flood plan; returns the clerk and the bureau's id."""
    from django.db import transaction
    from django.utils import timezone

    from dudao.accounts.models import User
    from dudao.core.bulk import adapt_datetime, insert_rows
    from dudao.duty.models import ContingencyPlan, PlanStep
    from dudao.orgs.models import OrgUnit, RoleAssignment, UnitTag, UnitTagging
    from dudao.orgs.tags import ensure_builtin_tags

    now = adapt_datetime(timezone.now())
    units: list[tuple[Any, ...]] = []
    schools: list[int] = []

    def node(path: str, depth: int, name: str, kind: str, numchild: int) -> int:
        units.append((len(units) + 1, path, depth, numchild, name, "", kind, "", "", "", False, "", 1, now, now))
        return len(units)

    root = seg(1)
    root_id = node(root, 1, "市教育局", "bureau", DISTRICTS)
    for d in range(DISTRICTS):
        dpath = root + seg(d + 1)
        node(dpath, 2, f"第{d + 1}区教育局", "district", SCHOOLS_PER_DISTRICT)
        for s in range(SCHOOLS_PER_DISTRICT):
            schools.append(node(dpath + seg(s + 1), 3, f"第{d + 1}区第{s + 1}学校", "school", 0))
    fields = ["id", "path", "depth", "numchild", "name", "short_name", "kind", "school_type", "code", "pinyin",
              "is_closed", "closed_reason", "version", "created_at", "updated_at"]  # fmt: skip
    with transaction.atomic():
        insert_rows(OrgUnit, fields, units)
        ensure_builtin_tags()
        tags = dict(UnitTag.objects.filter(name__in=RAIN_TAGS).values_list("name", "pk"))
        UnitTagging.objects.bulk_create(
            [UnitTagging(tag_id=tags[RAIN_TAGS[i % 4]], unit_id=pk) for i, pk in enumerate(schools) if i % 2 == 0]
        )
        users = User.objects.bulk_create(
            [User(username=f"principal{pk}", full_name=f"校长{pk}") for pk in schools]
            + [User(username="bench.clerk", full_name="安全科科员")]
        )
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=u, role="principal", unit_id=pk) for u, pk in zip(users, schools, strict=False)]
            + [RoleAssignment(user=users[-1], role="bureau_staff", unit_id=root_id)]
        )
        plan = ContingencyPlan.objects.create(unit_id=root_id, plan_type="flood", title="市教育系统防汛应急预案")
        PlanStep.objects.bulk_create(
            PlanStep(plan=plan, position=i, title=f"防汛步骤{i}", detail="按预警级别落实", responsible_role="principal")
            for i in range(1, 6)
        )
    return users[-1], root_id


def enter_warning(clerk: Any, root_id: int) -> Any:
    from django.utils import timezone

    from dudao.warnings import services

    now = timezone.now()
    return services.create_warning(
        actor=clerk,
        data=services.WarningIn(
            kind="rainstorm", level="red", starts_at=now, ends_at=now + dt.timedelta(hours=24), area=[root_id]
        ),
    )


class Rollback(Exception):
    pass


def product(clerk: Any, warning: Any, capture: bool = False) -> tuple[float, dict[Any, list[dict[str, Any]]]]:
    """Seconds of one dispatch (rolled back); with `capture`, the rows it inserted, table by table."""
    from django.apps import apps
    from django.db import models, transaction
    from django.db.models import Max

    from dudao.warnings import services

    tables = [m for m in apps.get_models() if isinstance(m._meta.pk, models.AutoField | models.BigAutoField)]
    rows: dict[Any, list[dict[str, Any]]] = {}
    elapsed = 0.0
    try:
        with transaction.atomic():
            before = {m: m.objects.aggregate(n=Max("pk"))["n"] or 0 for m in tables} if capture else {}
            started = time.perf_counter()
            outcome = services.dispatch_warning(actor=clerk, warning=warning)
            elapsed = time.perf_counter() - started
            assert outcome.is_new
            if capture:
                for model in tables:
                    found = list(model.objects.filter(pk__gt=before[model]).order_by("pk").values())
                    if found:
                        rows[model] = found
            raise Rollback
    except Rollback:
        pass
    return elapsed, rows


def baseline(rows: dict[Any, list[dict[str, Any]]]) -> float:
    from django.db import transaction

    elapsed = 0.0
    try:
        with transaction.atomic():
            started = time.perf_counter()
            for model, values in rows.items():
                model.objects.bulk_create([model(**v) for v in values], batch_size=1000)
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    common.configure(LABEL)
    common.use_database(LABEL, fresh=True)
    clerk, root_id = build()
    warning = enter_warning(clerk, root_id)
    schools = warning.schools.count()
    _, rows = product(clerk, warning, capture=True)
    inserted = sum(len(v) for v in rows.values())
    common.log(
        f"{schools} schools proposed; one dispatch inserts {inserted:,} rows: "
        + ", ".join(f"{m.__name__} {len(v)}" for m, v in rows.items())
    )
    products: list[float] = []
    baselines: list[float] = []
    for i in range(args.repeat):
        order = [("p", lambda: product(clerk, warning)[0]), ("b", lambda: baseline(rows))]
        if i % 2:
            order.reverse()
        for key, fn in order:
            (products if key == "p" else baselines).append(fn())
    p, b = common.median(products), common.median(baselines)
    common.log(f"dispatch {p:.3f} s, bare inserts {b:.3f} s (target: ≤ 5 s and ≤ 3 ×)")
    common.result("warning_dispatch_s", p, "s", b, p / b)


if __name__ == "__main__":
    main()
