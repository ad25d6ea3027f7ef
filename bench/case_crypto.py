"""case_crypto_ms: list and open 1,000 case files whose text is encrypted at rest (AES-256-GCM).

Value: ms to (1) list all 1,000 cases with their plan in one query and (2) open each one — the case by id and its
three notes — decrypting every confidential text the ORM loads.
Baseline: the same reads, same rows and same text, from two mirror tables whose text columns are plain TEXT.
Ratio: value / baseline (target ≤ 1.5). Both sides are warmed once and interleaved (alternating which goes first)
over several repetitions; the median repetition is reported. Access-event writes are left out of both sides: they
are identical with or without encryption.

    python -m bench.case_crypto [--cases 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

from bench import common

NOTE_TEXT = (
    "个别辅导：学生谈到与父母关系紧张，近两周睡眠差，上课注意力不集中。约定每周二午休面谈，"
    "班主任每日观察情绪变化并反馈，家长每周电话沟通一次。"
)
PLAN_TEXT = "每两周个别辅导一次；班主任每周观察反馈；家长每月面谈一次；必要时转介市精神卫生中心。"


def _mirror(model: Any, name: str, overrides: dict[str, Any]) -> Any:
    """A copy of `model` with the same columns, its encrypted text columns as plain TEXT."""
    from django.db import models

    from dudao.core.crypto import EncryptedTextField

    attrs: dict[str, Any] = {"__module__": __name__, "Meta": type("Meta", (), {"app_label": "bench_plain"})}
    for field in model._meta.local_concrete_fields:
        if field.primary_key:
            continue
        if field.name in overrides:
            attrs[field.name] = overrides[field.name]
        elif isinstance(field, EncryptedTextField):
            attrs[field.name] = models.TextField(blank=True, default="")
        else:
            _, _, args, kwargs = field.deconstruct()
            if field.is_relation:
                kwargs["related_name"] = "+"
            attrs[field.name] = type(field)(*args, **kwargs)
    return type(name, (models.Model,), attrs)


def plain_models() -> tuple[Any, Any]:
    """Mirror tables of CaseFile and CaseNote, same columns, text in clear (not part of the app)."""
    from django.db import connection, models

    from dudao.cases.models import CaseFile, CaseNote

    PlainCase = _mirror(CaseFile, "PlainCase", {})
    PlainNote = _mirror(
        CaseNote, "PlainNote", {"case": models.ForeignKey(PlainCase, on_delete=models.CASCADE, related_name="notes")}
    )
    with connection.schema_editor() as editor:
        editor.create_model(PlainCase)
        editor.create_model(PlainNote)
    return PlainCase, PlainNote


def build(n: int) -> tuple[Any, Any]:
    from django.db import transaction

    from dudao.cases.models import CaseFile, CaseNote
    from dudao.orgs.models import OrgUnit, Student

    with transaction.atomic():
        root = OrgUnit.add_root(name="基准市教育局", kind="bureau")
        school = root.add_child(name="基准中学", kind="school")
        grade = school.add_child(name="七年级", kind="grade")
        klass = grade.add_child(name="七年级（1）班", kind="class")
        students = Student.objects.bulk_create(
            [
                Student(klass=klass, name=f"学生{i}", gender="M", birth_date="2013-01-01", student_no=f"B{i:08d}")
                for i in range(n)
            ]
        )
        cases = CaseFile.objects.bulk_create(
            [
                CaseFile(kind="psych", school=school, student=s, source="teacher", risk_level="level2", plan=PLAN_TEXT)
                for s in students
            ],
            batch_size=500,
        )
        CaseNote.objects.bulk_create(
            [
                CaseNote(case=c, kind="interview", text=f"{NOTE_TEXT}（{i}）", outcome="情绪平稳")
                for c in cases
                for i in range(3)
            ],
            batch_size=1000,
        )
    PlainCase, PlainNote = plain_models()
    with transaction.atomic():
        plain = PlainCase.objects.bulk_create(
            [
                PlainCase(kind="psych", school=school, student=s, source="teacher", risk_level="level2", plan=PLAN_TEXT)
                for s in students
            ],
            batch_size=500,
        )
        PlainNote.objects.bulk_create(
            [
                PlainNote(case=c, kind="interview", text=f"{NOTE_TEXT}（{i}）", outcome="情绪平稳")
                for c in plain
                for i in range(3)
            ],
            batch_size=1000,
        )
    return PlainCase, PlainNote


def read_all(case_model: Any) -> int:
    """List every case with its plan, then open each: the case by id and its notes. Returns characters read."""
    chars = 0
    ids = []
    for case in case_model.objects.select_related("student").order_by("id"):
        chars += len(case.plan) + len(case.student.name)
        ids.append(case.pk)
    for pk in ids:
        case = case_model.objects.select_related("student").get(pk=pk)
        chars += len(case.plan) + len(case.summary)
        for note in case.notes.all():
            chars += len(note.text) + len(note.outcome)
    return chars


def timed(case_model: Any) -> tuple[float, int]:
    gc.collect()
    started = time.perf_counter()
    chars = read_all(case_model)
    return (time.perf_counter() - started) * 1000, chars


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    common.configure("case_crypto")
    common.use_database("case_crypto", fresh=True)
    from django.db import connection

    from dudao.cases.models import CaseFile
    from dudao.core import crypto

    if not common.is_sqlite():
        with connection.cursor() as cursor:
            cursor.execute('DROP TABLE IF EXISTS "bench_plain_plainnote", "bench_plain_plaincase"')
    common.log(
        f"building {args.cases} encrypted cases (3 notes each) and the plain mirror (key {crypto.current_key_id()})"
    )
    PlainCase, _ = build(args.cases)
    with connection.cursor() as cursor:
        cursor.execute("SELECT plan FROM cases_casefile LIMIT 1")
        assert PLAN_TEXT not in cursor.fetchone()[0], "plan stored in clear"
    timed(CaseFile)
    timed(PlainCase)
    encrypted, plain = [], []
    for rep in range(args.repeat):
        order = [(CaseFile, encrypted), (PlainCase, plain)]
        if rep % 2:
            order.reverse()
        for model, bucket in order:
            ms, chars = timed(model)
            bucket.append(ms)
        common.log(f"rep {rep + 1}: encrypted {encrypted[-1]:.1f} ms, plain {plain[-1]:.1f} ms")
    value, baseline = common.median(encrypted), common.median(plain)
    if not common.is_sqlite():
        with connection.cursor() as cursor:
            cursor.execute('DROP TABLE IF EXISTS "bench_plain_plainnote", "bench_plain_plaincase"')
    common.drop_database("case_crypto")
    common.result("case_crypto_ms", value, "ms", baseline, value / baseline)


if __name__ == "__main__":
    main()
