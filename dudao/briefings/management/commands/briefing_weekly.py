"""Run the weekly briefing job now (the huey schedule runs it on DUDAO_BRIEFING_WEEKDAY at DUDAO_BRIEFING_TIME)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dudao.briefings.services import generate_weekly


class Command(BaseCommand):
    help = "生成每周调度通报（已生成的不会重复生成）"

    def handle(self, *args: Any, **options: Any) -> None:
        made = generate_weekly()
        for briefing in made:
            self.stdout.write(f"{briefing.unit.name}：{briefing.title}（{briefing.get_status_display()}）")
        self.stdout.write(f"共生成 {len(made)} 份")
