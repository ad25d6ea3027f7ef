from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dudao.rectification.models import ReminderKind
from dudao.rectification.services import send_reminders


class Command(BaseCommand):
    help = "发送整改提醒：到期前 2 天和当天提醒责任人，逾期报校长，逾期 3 天以上报区县（可重复运行，不会重复发送）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="按哪一天计算（YYYY-MM-DD），默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        sent = send_reminders(today=day)
        labels = dict(ReminderKind.choices)
        summary = "，".join(f"{labels[k]} {n} 条" for k, n in sent.items())
        self.stdout.write(self.style.SUCCESS(f"已发送提醒：{summary}"))
