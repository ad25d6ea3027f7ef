from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dudao.core.backup import KEY_NOTICE, BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by `manage.py backup` into an empty installation (--force: replace the data "
        "of a non-empty one). Refuses when DUDAO_CASE_KEYS lacks a key the backup needs. Verifies the row count "
        "of every table and the audit chain afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="manage.py backup 写出的备份目录")
        parser.add_argument("--force", action="store_true", help="目标数据库或上传目录已有数据时仍然恢复（整体替换）")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stderr.write(self.style.WARNING(KEY_NOTICE))
        source = Path(options["path"]).resolve()
        try:
            report = restore(source, force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成：{report.tables} 个表共 {report.rows} 行（与备份清单逐表核对一致），"
                f"上传文件 {report.media_files} 个，任务 {report.queued_jobs} 个"
            )
        )
        call_command("audit_verify", stdout=self.stdout, stderr=self.stderr)
        if report.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"备份来自较早的版本，还有 {len(report.pending_migrations)} 个迁移未执行："
                    "请运行 python manage.py migrate"
                )
            )
