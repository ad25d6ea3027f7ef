from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dudao.health.services import scan_day


class Command(BaseCommand):
    help = "对全部学校运行疫情预警扫描（规则 1、3、4；与定时任务相同）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="扫描日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options.get("date"):
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        result = scan_day(day=day)
        self.stdout.write(f"findings {result['findings']}, new alerts {result['new_alerts']}")
