from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dudao.command import summary


class Command(BaseCommand):
    help = "重新计算监测指标汇总（全市各区县、学校的全部指标）；--backfill N 补算此前 N 天（趋势图用）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--backfill", type=int, default=0, help="补算今天之前的天数（最多 60）")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["backfill"]
        if not 0 <= days <= 60:
            raise CommandError("补算天数应在 0 到 60 之间")
        today = timezone.localdate()
        rows = 0
        for back in range(days, 0, -1):
            rows += summary.refresh(day=today - dt.timedelta(days=back))
        rows += summary.refresh()
        summary.prune()
        self.stdout.write(self.style.SUCCESS(f"监测指标汇总已更新：{rows} 行"))
