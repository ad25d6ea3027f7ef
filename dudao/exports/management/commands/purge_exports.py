from typing import Any

from django.core.management.base import BaseCommand

from dudao.exports.services import purge_expired


class Command(BaseCommand):
    help = "删除已过期的导出文件，并把中断的导出任务标记为失败（huey 每小时自动运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        counts = purge_expired()
        self.stdout.write(f"已删除过期文件 {counts['expired']} 个，标记中断任务 {counts['interrupted']} 个")
