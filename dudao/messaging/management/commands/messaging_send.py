from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dudao.messaging.services import send_due


class Command(BaseCommand):
    help = "发送到期的外部推送（企业微信、钉钉、短信）：新消息、免打扰结束后的消息和等待重试的消息"

    def handle(self, *args: Any, **options: Any) -> None:
        counts = send_due(limit=100_000)
        self.stdout.write("；".join(f"{k} {v}" for k, v in sorted(counts.items())) or "没有到期的推送")
