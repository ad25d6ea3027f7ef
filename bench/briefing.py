"""briefing_s: the city's weekly 调度通报 generated at city scale and exported as .docx, as the background job runs it.

Value: seconds from the request (the 生成中 status row) to the finished draft and its .docx: `request_briefing`,
then `run_generation` in a worker thread with its own database connection (as the huey consumer runs it) while
this thread polls the status row as the page does and prints each progress step, then `docx_bytes`. The briefing
covers the city (12 district bureaus and the schools directly under it) and names units out of all ~1,500
schools; with no earlier briefing it also computes the week before (what improved). Target ≤ 10 s.
Baseline: the same `dudao.command.selectors.figures` calls alone (every indicator for the city and its first-level
units, the naming indicators for every school, the range-based indicators for the week before), measured in the
same run. Ratio: value / baseline (what the briefing adds on top of reading the figures).

    python -m bench.briefing [--repeat 3]

Data: the city demo (bench/.data/city.sqlite3, as for bench.indicators; loaded first when missing, which takes
minutes). With DATABASE_URL the configured database is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import threading
import time
from collections.abc import Callable

from bench import common

USER = "city.admin"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds per side")
    args = parser.parse_args()

    common.configure("city")
    from bench.scoping import ensure_city

    ensure_city()

    from django.db import connection

    from dudao.accounts.models import User
    from dudao.briefings import documents, services
    from dudao.briefings.figures import NAMING, scope_of
    from dudao.briefings.models import Briefing, BriefingStatus
    from dudao.briefings.services.generation import act_for, default_period
    from dudao.command import selectors
    from dudao.core.indicators import Basis
    from dudao.orgs.models import OrgUnit

    user = User.objects.get(username=USER)
    root = OrgUnit.objects.get(depth=1)
    act_for(user, root)
    scope = scope_of(root, None)
    start, end = default_period(selectors.period(None, None)[1], weekly=False)
    common.log(
        f"data scale: city demo, {len(scope.schools):,} schools, {len(scope.units)} first-level units; "
        f"period {start} to {end}"
    )
    range_codes = [i.code for i in selectors.catalogue(user) if i.basis == Basis.RANGE]
    before = dt.timedelta(days=(end - start).days + 1)

    def baseline() -> float:
        started = time.perf_counter()
        selectors.figures(user, [root, *scope.units], start, end)
        selectors.figures(user, scope.schools, start, end, codes=NAMING)
        selectors.figures(user, [root, *scope.units], start - before, end - before, codes=range_codes)
        return time.perf_counter() - started

    def product(show: bool) -> tuple[float, int, int]:
        started = time.perf_counter()
        briefing = services.request_briefing(actor=user, unit=root, end=end, queue=False)
        worker = threading.Thread(target=_run, args=(services.run_generation, briefing.pk))
        worker.start()
        seen = ""
        while worker.is_alive():
            row = Briefing.objects.values_list("progress", "progress_note").get(pk=briefing.pk)
            note = f"{row[0]}% {row[1]}"
            if show and note != seen:
                common.log(f"  progress {note}")
                seen = note
            time.sleep(0.1)
        worker.join()
        done = Briefing.objects.select_related("unit", "campaign").get(pk=briefing.pk)
        if done.status != BriefingStatus.DRAFT:
            raise SystemExit(f"generation failed: {done.progress_note}")
        data = documents.docx_bytes(done)
        seconds = time.perf_counter() - started
        named = sum(len(rows) for rows in done.figures["lists"].values())
        if show:
            common.log(f"  done: {done.title}; {named} units named; .docx {len(data):,} bytes")
        done.delete()
        return seconds, named, len(data)

    common.log("warm-up")
    baseline()
    product(show=True)
    values: list[float] = []
    baselines: list[float] = []
    for rep in range(args.repeat):
        for side in ("product", "baseline") if rep % 2 == 0 else ("baseline", "product"):
            if side == "product":
                seconds, named, size = product(show=rep == 0)
                values.append(seconds)
            else:
                baselines.append(baseline())
        common.log(f"round {rep + 1}: briefing {values[-1]:.2f} s, figures alone {baselines[-1]:.2f} s")
    value, base = common.median(values), common.median(baselines)
    common.log(
        f"{connection.vendor}: weekly city briefing (request → background generation → .docx) {value:.2f} s, "
        f"the figures alone {base:.2f} s; median of {args.repeat} rounds"
    )
    common.result("briefing_s", value, "s", base, value / base)


def _run(job: Callable[[int], object], briefing_id: int) -> None:
    """The background half, in its own thread and database connection as a huey worker would run it."""
    from django.db import connection

    try:
        job(briefing_id)
    finally:
        connection.close()


if __name__ == "__main__":
    main()
