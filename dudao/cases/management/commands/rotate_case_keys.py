from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dudao.cases.upkeep import rotate_keys
from dudao.core import crypto


class Command(BaseCommand):
    help = (
        "个案密钥轮换：把不是用当前密钥（DUDAO_CASE_KEYS 的第一个）加密的内容逐行重新加密。"
        "每批一个小事务，不停机；中断后重新运行会从剩余的行继续。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=200, help="每个事务处理的行数（默认 200）")
        parser.add_argument("--new-key", action="store_true", help="只打印一个新生成的密钥，不做轮换")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(crypto.new_key_text())
            return
        crypto.reset_keyring()
        if crypto.using_dev_key():
            self.stdout.write(self.style.WARNING("警告：当前使用的是公开的开发密钥，生产环境请设置 DUDAO_CASE_KEYS"))
        self.stdout.write(f"当前密钥编号：{crypto.current_key_id()}")
        counts = rotate_keys(
            batch=max(1, options["batch"]), progress=lambda label, n: self.stdout.write(f"  {label}: {n} 行")
        )
        summary = "，".join(f"{label} {n} 行" for label, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"轮换完成：{summary}。确认后可从 DUDAO_CASE_KEYS 中移除旧密钥。"))
