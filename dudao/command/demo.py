"""Demo data: the indicator summary for the demo's day and the 29 days before it (the cockpit's trends), computed
after every module's demo step so the first visit to the cockpit reads stored figures."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from dudao.command import summary
from dudao.demo.registry import DemoContext, demo_step

TREND_DAYS = 30


@demo_step(order=990)
def command_demo(context: DemoContext) -> dict[str, int]:
    rows = 0
    for back in range(TREND_DAYS - 1, 0, -1):
        rows += summary.refresh(day=context.today - dt.timedelta(days=back))
    rows += summary.refresh(day=context.today)
    # The loader's commit reports every demo write as new (hooks): these figures already count them.
    transaction.on_commit(summary.mark_fresh)
    return {"indicator_figures": rows}
