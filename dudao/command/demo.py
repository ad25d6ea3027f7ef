"""Demo data: the indicator summary for the demo's day and the 29 days before it (the cockpit's trends), computed
after every module's demo step so the first visit to the cockpit reads stored figures."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from dudao.command import summary
from dudao.core.bulk import analyze_all
from dudao.demo.registry import DemoContext, demo_step

TREND_DAYS = 30


@demo_step(order=990)
def command_demo(context: DemoContext) -> dict[str, int]:
    # Every module's demo rows are still uncommitted: autovacuum has no statistics for them, and PostgreSQL planned
    # the province's duty-shift figure (NOT EXISTS over sign-ins, joined to 290,000 units) for minutes per day.
    analyze_all()
    rows = 0
    for back in range(TREND_DAYS - 1, 0, -1):
        rows += summary.refresh(day=context.today - dt.timedelta(days=back))
    rows += summary.refresh(day=context.today)
    # The loader's commit reports every demo write as new (hooks): these figures already count them.
    transaction.on_commit(summary.mark_fresh)
    return {"indicator_figures": rows}
