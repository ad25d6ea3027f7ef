from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dudao.core.backup import KEY_NOTICE, BackupError, backup


class Command(BaseCommand):
    help = (
        "Write one backup (database, uploaded files, queued jobs, manifest) into the new folder PATH. "
        "The case keys (DUDAO_CASE_KEYS) are not in it: keep them apart. See docs/部署与运维.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="新建的备份目录（不存在或为空）")
        parser.add_argument("--no-media", action="store_true", help="不备份上传文件（仅数据库和队列）")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stderr.write(self.style.WARNING(KEY_NOTICE))
        target = Path(options["path"]).resolve()
        try:
            manifest = backup(target, include_media=not options["no_media"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(n for t, n in manifest.row_counts.items() if t != "dudao_cache")
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成：{target}（{manifest.engine}，{len(manifest.row_counts)} 个表共 {rows} 行，"
                f"上传文件 {manifest.queue.get('media_files', 0)} 个，排队任务 {manifest.queue.get('pending', 0)} 个，"
                f"定时任务 {manifest.queue.get('scheduled', 0)} 个）"
            )
        )
        self.stdout.write(f"个案内容所需密钥编号：{'、'.join(manifest.case_key_ids) or '无'}（密钥本身须另行保管）")
