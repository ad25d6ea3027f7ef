from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dudao.supervision.services import escalate_overdue


class Command(BaseCommand):
    help = "督办单逾期上报：超过办结时限仍未反馈的督办单标记为逾期并上报（每件只上报一次，可重复运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = escalate_overdue()
        self.stdout.write(self.style.SUCCESS(f"新上报逾期督办单 {escalated} 件"))
