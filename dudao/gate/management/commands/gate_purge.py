from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dudao.gate.services import purge_expired, retention_days


class Command(BaseCommand):
    help = "删除超过保留期限（DUDAO_VISITOR_RETENTION_DAYS）的访客登记记录"

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = purge_expired()
        self.stdout.write(f"已删除 {deleted} 条超过 {retention_days()} 天的访客记录")
