from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dudao.cases.upkeep import archive_cases, purge_cases
from dudao.core.errors import DomainError


class Command(BaseCommand):
    help = "归档已离校学生的已结案个案，并删除归档超过保存年限（DUDAO_CASE_RETENTION_YEARS）的个案；审计只记录数量"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--years", type=int, default=None, help="保存年限，默认取设置")

    def handle(self, *args: Any, **options: Any) -> None:
        archived = archive_cases()
        years = options["years"] if options["years"] is not None else settings.DUDAO_CASE_RETENTION_YEARS
        try:
            counts = purge_cases(years=years)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"归档 {archived} 份；删除归档满 {years} 年的个案 {counts['cases']} 份"
                f"（记录 {counts['notes']} 条，转介 {counts['referrals']} 条）"
            )
        )
