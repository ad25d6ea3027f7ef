from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dudao.appraisal.services import recompute_open_schemes


class Command(BaseCommand):
    help = "重新计算所有考评中（已公布规则）方案的成绩（每晚由 huey 自动运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        for pk, outcome in recompute_open_schemes().items():
            self.stdout.write(f"方案 {pk}：{outcome}")
