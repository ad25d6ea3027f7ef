from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dudao.duty.services import flag_missed_signins


class Command(BaseCommand):
    help = "检查值班签到：截至签到时限（默认 09:30）已开始却未签到的班次标红并记入审计（可重复运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        flagged = flag_missed_signins()
        self.stdout.write(self.style.SUCCESS(f"新发现未签到班次 {flagged} 个"))
