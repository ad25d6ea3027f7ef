from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dudao.health.services import escalate_alerts


class Command(BaseCommand):
    help = "升级超过 2 小时未确认的疫情预警（与定时任务相同）"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"escalated {escalate_alerts()} alerts")
