"""python manage.py breakdown_corrections [--export] [--out DIR] [--since YYYY-MM-DD]

Lists the analyses in which users corrected rows (a row's kind, its fields, a merge or a split); with --export
writes each as a corpus document: DIR/corrections_<id>.txt (the cleaned source) and .json (the annotation in
the corpus format, with the corrected rows as the truth). Review them before adding them to tests/breakdown/corpus/.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dudao.breakdown import selectors
from dudao.breakdown.corrections import annotation_for


class Command(BaseCommand):
    help = "列出或导出用户在任务分解表中的修改（作为新的语料标注）"

    def add_arguments(self, p: CommandParser) -> None:
        p.add_argument(
            "--export", action="store_true", help="把每份有修改的分解表写成语料文件（.txt 原文 + .json 标注）"
        )
        p.add_argument("--out", default="breakdown-corrections", help="导出目录（默认 ./breakdown-corrections）")
        p.add_argument("--since", default=None, help="只看这一天及以后创建的分解表 YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        analyses = selectors.corrected_analyses()
        if options["since"]:
            try:
                since = dt.date.fromisoformat(options["since"])
            except ValueError:
                sys.stderr.write(f"错误：日期格式不正确：{options['since']}（应为 YYYY-MM-DD）\n")
                sys.exit(2)
            analyses = analyses.filter(created_at__date__gte=since)
        out = Path(options["out"])
        if options["export"]:
            out.mkdir(parents=True, exist_ok=True)
        count = 0
        for analysis in analyses:
            rows = list(selectors.rows_of(analysis))
            corrected = sum(1 for r in rows if r.corrected)
            count += 1
            if not options["export"]:
                self.stdout.write(f"{analysis.pk}\t{analysis.doc_date}\t{corrected} 行有修改\t{analysis.title}")
                continue
            stem = out / f"corrections_{analysis.pk}"
            stem.with_suffix(".txt").write_text(analysis.source_text + "\n", encoding="utf-8")
            annotation = annotation_for(analysis, rows)
            stem.with_suffix(".json").write_text(json.dumps(annotation, ensure_ascii=False, indent=1) + "\n", "utf-8")
            self.stdout.write(
                f"{stem}.txt / .json：{len(annotation['rows'])} 行任务，{len(annotation['non_tasks'])} 行非任务"
            )
        self.stdout.write(
            f"共 {count} 份分解表有人工修改" + (f"，已导出到 {out}" if options["export"] and count else "")
        )
