"""python manage.py breakdown FILE [--date YYYY-MM-DD] [--format json|xlsx]

Prints the task rows as JSON (or writes FILE.xlsx next to FILE). Exit 2 with a message on unreadable input.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from dudao.breakdown import exports, parser
from dudao.breakdown.services import calendar


class Command(BaseCommand):
    help = "把讲话稿或通知分解为任务表（JSON 或 Excel）"

    def add_arguments(self, p: CommandParser) -> None:
        p.add_argument("file")
        p.add_argument("--date", default=None, help="发文日期 YYYY-MM-DD（默认今天）")
        p.add_argument("--format", choices=["json", "xlsx"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            doc_date = dt.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            self._fail(f"日期格式不正确：{options['date']}（应为 YYYY-MM-DD）")
        if not 2000 <= doc_date.year <= 2099:
            self._fail(f"发文日期应在 2000 年至 2099 年之间：{options['date']}")
        try:
            if path.stat().st_size > parser.reading.MAX_BYTES:
                raise parser.UnreadableInput(f"文件太大（{path.stat().st_size / 1024 / 1024:.1f} MB），最大 5 MB。")
            document = parser.read_document(path.read_bytes(), path.name)
        except FileNotFoundError:
            self._fail(f"找不到文件：{path}")
        except (IsADirectoryError, PermissionError) as exc:
            self._fail(f"无法读取：{path}（{exc.strerror}）")
        except parser.UnreadableInput as exc:
            self._fail(exc.message)
        result = parser.parse(document.text, doc_date=doc_date, calendar=calendar())
        for warning in document.warnings + result.warnings:
            sys.stderr.write(f"提示：{warning}\n")
        if options["format"] == "xlsx":
            out = path.with_suffix(".breakdown.xlsx")
            tasks = [r.as_json() for r in result.rows if r.kind == parser.TASK]  # review rows are not exported
            out.write_bytes(exports.rows_xlsx_bytes(tasks, title=path.stem))
            self.stdout.write(str(out))
            return
        self.stdout.write(json.dumps([r.as_json() for r in result.rows], ensure_ascii=False, indent=1))

    def _fail(self, message: str) -> None:
        sys.stderr.write(f"错误：{message}\n")
        sys.exit(2)
