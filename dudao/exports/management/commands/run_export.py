from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dudao.exports.services import run_export


class Command(BaseCommand):
    help = "在前台运行一个排队中的导出任务（不经 huey），用于排查或补跑"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        job = run_export(job_id=options["job_id"])
        self.stdout.write(f"任务 {job.pk}：{job.get_status_display()}，{job.row_count} 行 {job.error}")
