from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dudao.directives import services


class Command(BaseCommand):
    help = "打开重复报送的新周期，发送截止前两天/前一天/当天提醒和逾期汇总（每天运行一次即可，重复运行不会重复提醒）"

    def handle(self, *args: Any, **options: Any) -> None:
        periods = services.open_due_periods()
        reminders = services.send_scheduled_reminders()
        digest = services.send_overdue_digest()
        self.stdout.write(f"新周期 {periods} 个，截止提醒 {reminders} 条，逾期汇总 {digest} 条")
