from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dudao.cases.intake import absence_provider, suggest_dropouts


class Command(BaseCommand):
    help = "根据晨午检缺勤记录，为连续缺勤（非病假）达到天数的学生生成控辍保学建议（可重复运行，不会重复生成）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="统计截至哪一天（YYYY-MM-DD），默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        if absence_provider() is None:
            self.stdout.write(self.style.WARNING("未安装晨午检模块（dudao.health），没有缺勤数据可用"))
            return
        created = suggest_dropouts(today=day)
        self.stdout.write(self.style.SUCCESS(f"新生成 {created} 条辍学风险提示"))
