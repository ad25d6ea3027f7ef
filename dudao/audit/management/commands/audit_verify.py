from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dudao.audit.models import AuditEvent
from dudao.audit.services import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit hash chain and report the first broken link. "
        "--anchor SEQ:HASH (as logged by the nightly check and kept outside the database) also "
        "detects events cut from the end of the chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--anchor", action="append", default=[], help="SEQ:HASH recorded earlier")

    def handle(self, *args: Any, **options: Any) -> None:
        for anchor in options["anchor"]:
            seq_text, _, expected = anchor.partition(":")
            if not seq_text.isdigit() or len(expected) != 64:
                raise CommandError(f"锚点格式应为 序号:哈希，收到“{anchor}”")
            stored = AuditEvent.objects.filter(seq=int(seq_text)).values_list("hash", flat=True).first()
            if stored != expected:
                raise CommandError(
                    f"审计链与锚点不符：第 {seq_text} 条事件{'不存在' if stored is None else '已被改写'}"
                )
        result = verify_chain()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"审计链完整：已校验 {result.checked} 条事件"))
            return
        raise CommandError(
            f"审计链在第 {result.broken_seq} 条事件处断裂：{result.reason}（此前 {result.checked} 条完好）"
        )
