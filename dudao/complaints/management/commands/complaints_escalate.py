from typing import Any

from django.core.management.base import BaseCommand

from dudao.complaints.services import escalate_overdue


class Command(BaseCommand):
    help = "逾期未答复的投诉建议：提醒承办单位负责人并报教育局办公室（每日 08:10 由 huey 自动运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = escalate_overdue()
        self.stdout.write(f"已督办 {escalated} 件逾期未答复的投诉建议")
