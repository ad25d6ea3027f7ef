"""completeness_ms: a directive's completeness and its per-district roll-up at city scale (1,500 schools).

Value: ms per call of `dudao.directives.selectors.completeness(period, user)` for the city's bureau staff
(what the directive page and `/api/v1/directives/{id}/completeness` run: the scoped queryset, one GROUP BY
per district with conditional counts, the unit names, and the totals added up in Python).
Baseline: one hand-written SQL GROUP BY computing the same counts (joins to the unit and the target,
same "open during the period" condition), fetched as tuples on the same connection.
Ratio: value / baseline (target ≤ 2). Interleaved, repeated; the median repetition is reported.

    python -m bench.completeness [--schools 1500] [--repeat 7] [--calls 30]

Data: its own database bench/.data/directives.sqlite3 (or the configured DATABASE_URL, flushed): a city
with 12 district bureaus and 1,500 schools, a city directive with a 30-field form sent to every school,
70 % submitted (one in seven of them late), a fifth approved, 80 % acknowledged. Built in seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import time
from typing import Any

from bench import common

LABEL = "directives"
DISTRICTS = 12
FIELDS = 30


def build(schools: int) -> dict[str, Any]:
    """The org tree, a bureau user, a 30-field form and a directive to every school, with answers."""
    from django.db import transaction
    from django.utils import timezone

    from dudao.accounts.models import User
    from dudao.core.bulk import insert_rows
    from dudao.demo.generator import step
    from dudao.directives import schema as form_schema
    from dudao.directives import services
    from dudao.directives.models import DirectiveTarget, Submission, SubmissionStatus, SubmissionValue
    from dudao.orgs.models import OrgUnit, RoleAssignment

    rng = random.Random(20261129)
    started = time.perf_counter()
    with transaction.atomic():
        root = OrgUnit.add_root(name="基准市教育局", kind="bureau")
        districts = [root.add_child(name=f"第{i + 1}区教育局", kind="district") for i in range(DISTRICTS)]
        root.refresh_from_db()
        now = timezone.now()
        rows = []
        per_district = -(-schools // DISTRICTS)
        made = 0
        for district in districts:
            count = min(per_district, schools - made)
            for n in range(1, count + 1):
                made += 1
                rows.append(
                    (
                        district.path + step(n),
                        3,
                        0,
                        f"{district.name}第{n}学校",
                        "school",
                        "primary",
                        "",
                        "",
                        False,
                        "",
                        "",
                        1,
                        now,
                        now,
                    )
                )
            OrgUnit.objects.filter(pk=district.pk).update(numchild=count)
        insert_rows(
            OrgUnit,
            [
                "path",
                "depth",
                "numchild",
                "name",
                "kind",
                "school_type",
                "short_name",
                "code",
                "is_closed",
                "closed_reason",
                "pinyin",
                "version",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        user = User.objects.create(username="bench.city", full_name="基准科员", unit=root)
        RoleAssignment.objects.create(user=user, role="bureau_staff", unit=root)
        schema = {
            "fields": [
                {"key": f"f{i:02d}", "label": f"指标{i:02d}", "type": "integer", "min": 0} for i in range(1, FIELDS + 1)
            ]
        }
        form = services.create_form(actor=user, name="30项指标统计表", schema=schema)
        version = services.publish_form(actor=user, form=form)
        directive = services.create_directive(
            actor=user,
            title="基准：30项指标统计",
            deadline=now + dt.timedelta(days=3),
            targets={"mode": "kind", "kind": "school"},
            form_version=version,
            issue=True,
        )
        period = directive.periods.get()
        submissions = list(Submission.objects.filter(period=period).select_related("unit"))
        chosen = [s for s in submissions if rng.random() < 0.7]
        values: list[SubmissionValue] = []
        for submission in chosen:
            answers = {f"f{i:02d}": rng.randint(0, 500) for i in range(1, FIELDS + 1)}
            submission.values = answers
            submission.status = SubmissionStatus.APPROVED if rng.random() < 0.2 else SubmissionStatus.SUBMITTED
            submission.is_late = rng.random() < 1 / 7
            submission.submitted_at = now
            values.extend(
                SubmissionValue(
                    submission=submission, period=period, unit_path=submission.unit.path, field_key=k, number=v
                )
                for k, v in form_schema.numbers(version.schema, answers).items()
            )
        Submission.objects.bulk_update(chosen, ["values", "status", "is_late", "submitted_at"], batch_size=500)
        SubmissionValue.objects.bulk_create(values, batch_size=2000)
        acknowledged = [t.pk for t in DirectiveTarget.objects.filter(directive=directive) if rng.random() < 0.8]
        DirectiveTarget.objects.filter(pk__in=acknowledged).update(acknowledged_at=now)
    common.log(
        f"built {schools:,} schools in {DISTRICTS} districts, {len(submissions):,} reports "
        f"({len(chosen):,} submitted, {len(values):,} numeric values) in {time.perf_counter() - started:.1f}s"
    )
    if not common.is_sqlite():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"user": user, "period": period, "root": root}


def prepare(schools: int) -> dict[str, Any]:
    common.configure(LABEL)
    common.use_database(LABEL, fresh=True)
    return build(schools)


def timed(functions: dict[str, Any], repeat: int, calls: int) -> dict[str, float]:
    """Median over repetitions of the mean ms per call; sides interleaved, alternating which goes first."""
    means: dict[str, list[float]] = {name: [] for name in functions}
    names = list(functions)
    for rep in range(repeat):
        gc.collect()
        totals = dict.fromkeys(names, 0.0)
        for call in range(calls):
            order = names if (rep + call) % 2 == 0 else list(reversed(names))
            for name in order:
                started = time.perf_counter()
                functions[name]()
                totals[name] += time.perf_counter() - started
        for name in names:
            means[name].append(totals[name] / calls * 1000)
        common.log(f"repetition {rep + 1}: " + ", ".join(f"{n} {means[n][-1]:.3f} ms" for n in names))
    return {name: common.median(values) for name, values in means.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    data = prepare(args.schools)

    from django.db import connection

    from dudao.directives import selectors
    from dudao.directives.models import DirectiveTarget, Submission
    from dudao.orgs.models import OrgUnit
    from dudao.orgs.scoping import assignments_of

    user, period, root = data["user"], data["period"], data["root"]
    assignments_of(user)  # the request would have cached the acting assignment already
    length = (root.depth + 1) * OrgUnit.steplen
    qn = connection.ops.quote_name
    sqlite = common.is_sqlite()
    operator, pattern = ("GLOB", root.path + "*") if sqlite else ("LIKE", root.path + "%")
    sql = (
        f"SELECT substr(u.{qn('path')}, 1, {length}) AS prefix, COUNT(*), "
        f"SUM(CASE WHEN t.{qn('acknowledged_at')} IS NOT NULL THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN s.{qn('status')} IN ('submitted', 'approved') THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN s.{qn('status')} IN ('submitted', 'approved') AND s.{qn('is_late')} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN s.{qn('status')} = 'approved' THEN 1 ELSE 0 END) "
        f"FROM {qn(Submission._meta.db_table)} s "
        f"JOIN {qn(OrgUnit._meta.db_table)} u ON u.{qn('id')} = s.{qn('unit_id')} "
        f"JOIN {qn(DirectiveTarget._meta.db_table)} t ON t.{qn('id')} = s.{qn('target_id')} "
        f"WHERE s.{qn('period_id')} = %s AND u.{qn('path')} {operator} %s "
        f"AND NOT (u.{qn('is_closed')} AND u.{qn('closed_at')} < %s AND s.{qn('status')} = 'pending') "
        f"GROUP BY 1 ORDER BY 1"
    )

    def orm() -> Any:
        return selectors.completeness(period, user)

    def raw() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [period.pk, pattern, period.deadline])
            return list(cursor.fetchall())

    total, rows = orm()
    by_prefix = {row[0]: row for row in raw()}
    for row in rows:
        want = by_prefix[row.unit.path]
        got = row.counts
        if (got.expected, got.acknowledged, got.submitted, got.late, got.approved) != tuple(want[1:]):
            raise SystemExit(f"completeness and the hand-written query disagree for {row.unit.name}: {got} vs {want}")
    common.log(f"both sides agree: {len(rows)} districts; city totals {total.as_dict()}")
    print("SQL (completeness):", selectors._completeness_sql(), flush=True)
    medians = timed({"completeness": orm, "hand-written": raw}, args.repeat, args.calls)
    value, baseline = medians["completeness"], medians["hand-written"]
    common.log(f"median: completeness {value:.3f} ms, hand-written GROUP BY {baseline:.3f} ms")
    common.result("completeness_ms", value, "ms", baseline, value / baseline)


if __name__ == "__main__":
    main()
