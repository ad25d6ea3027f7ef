from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dudao.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit hash chain and report the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"审计链完整：已校验 {result.checked} 条事件"))
            return
        raise CommandError(
            f"审计链在第 {result.broken_seq} 条事件处断裂：{result.reason}（此前 {result.checked} 条完好）"
        )
