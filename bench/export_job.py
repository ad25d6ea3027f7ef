"""export_job_s: the city roster (1.26 M students) exported through a 下载中心 job.

Value: seconds of the job's body for `city.admin` (bureau staff at the root) exporting the roster of the whole city:
`services.run_export(job_id=…)` on a job `services.start_export(kind="roster", filters={"unit": <root>})` queued —
the identity and scope re-check, the count, `orgs.roster.stream_rows` (keyset chunks of plain values, guardians per
chunk, numbers masked) written by `core.excel.write_xlsx` in constant-memory mode with a progress write every 1 %,
the file put into storage and the access event written.
Baseline: the same rows written with xlsxwriter alone in constant_memory mode: two plain SQL cursors (students
joined with their class, ordered by id; guardians ordered by student and primary first) merged in Python, the same
masking, dates by write_datetime, flags as 是/否, text by write_string, into a temporary file; like the job, a new
sheet after Excel's 1,048,575 rows (the city's roster fills two). The first 5,000 rows
of both generators must be identical and both files must have the same number of rows.
Ratio: value / baseline (target ≤ 2). Memory: peak RSS growth of the job (VmHWM reset through
/proc/self/clear_refs before it; target ≤ 100 MiB) and tracemalloc's peak of Python allocations during a job over
one district (a tenth of the city; tracemalloc would slow the whole city several times).

    DUDAO_BENCH_CITY=/path/to/city.sqlite3 python -m bench.export_job [--no-memory]

Data: a copy of the city demo (bench/.data/city.sqlite3 or $DUDAO_BENCH_CITY, left by bench.demo_city), made once
into bench/.data/export_job.sqlite3 and migrated; the source is only read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import common

LABEL = "export_job"
USER = "city.admin"


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def copy_city() -> None:
    """Copy the city demo once; never write to the source."""
    source = Path(os.environ.get("DUDAO_BENCH_CITY", str(common.sqlite_path("city"))))
    target = common.sqlite_path(LABEL)
    if not source.exists():
        raise SystemExit(f"no city demo at {source}: run `python -m bench.demo_city` or set DUDAO_BENCH_CITY")
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        common.log(f"reusing the copy {target}")
        return
    common.log(f"copying {source} ({source.stat().st_size / 2**20:,.0f} MiB) to {target}")
    common.remove_sqlite_files(target)
    shutil.copyfile(source, target)


def baseline_rows() -> Iterator[list[Any]]:
    """The same cells as the product's rows, from two plain cursors merged in Python."""
    from django.db import connections

    from dudao.orgs.models import Gender, GuardianRelation
    from dudao.orgs.roster import GUARDIAN_SLOTS
    from dudao.orgs.text import mask_id_card, mask_phone, mask_student_no

    genders = dict(Gender.choices)
    relations = dict(GuardianRelation.choices)
    students = connections["default"].cursor()
    guardians = connections["default"].cursor()
    students.execute(
        "SELECT s.id, k.name, s.name, s.gender, s.birth_date, s.student_no, s.id_card_no, s.is_boarding,"
        " s.is_left_behind, s.is_in_hardship, s.is_disabled, s.is_migrant"
        " FROM orgs_student s JOIN orgs_orgunit k ON k.id = s.klass_id ORDER BY s.id"
    )
    guardians.execute(
        "SELECT student_id, name, relation, phone FROM orgs_guardian ORDER BY student_id, is_primary DESC, id"
    )
    pending = guardians.fetchone()
    while True:
        batch = students.fetchmany(2000)
        if not batch:
            break
        for sid, klass, name, gender, birth, student_no, id_card_no, *flags in batch:
            if isinstance(birth, str):
                birth = dt.date.fromisoformat(birth)
            row: list[Any] = [
                klass,
                name,
                genders.get(gender, gender),
                birth,
                mask_student_no(student_no),
                mask_id_card(id_card_no) if id_card_no else "",
                *(bool(f) for f in flags),
            ]
            taken = 0
            while pending is not None and pending[0] <= sid:
                if pending[0] == sid and taken < GUARDIAN_SLOTS:
                    row += [pending[1], relations.get(pending[2], pending[2]), mask_phone(pending[3])]
                    taken += 1
                pending = guardians.fetchone()
            yield row
    students.close()
    guardians.close()


def write_baseline(headers: list[str]) -> tuple[float, int]:
    import xlsxwriter

    from dudao.core.excel import EXCEL_MAX_ROWS

    started = time.perf_counter()
    with tempfile.TemporaryFile() as spool:
        book = xlsxwriter.Workbook(
            spool, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        rows = line = 0
        sheet: Any = None
        for rows, row in enumerate(baseline_rows(), start=1):
            if sheet is None or line == EXCEL_MAX_ROWS:  # a sheet holds 1,048,575 rows below its header
                sheet = book.add_worksheet(f"学生名册（{rows // EXCEL_MAX_ROWS + 1}）")
                for col, title in enumerate(headers):
                    sheet.write_string(0, col, title)
                line = 0
            line += 1
            for col, value in enumerate(row):
                if isinstance(value, bool):
                    sheet.write_string(line, col, "是" if value else "否")
                elif isinstance(value, dt.date):
                    sheet.write_datetime(line, col, dt.datetime.combine(value, dt.time()), date_format)
                else:
                    sheet.write_string(line, col, value)
        book.close()
    return time.perf_counter() - started, rows


def run_job(user: Any, unit: Any) -> tuple[float, Any]:
    from dudao.exports import services
    from dudao.exports.models import ExportJob

    ExportJob.objects.filter(owner=user).delete()
    started = services.start_export(actor=user, kind="roster", filters={"unit": str(unit.pk)}, background=True)
    assert started.job is not None
    began = time.perf_counter()
    job = services.run_export(job_id=started.job.pk)
    seconds = time.perf_counter() - began
    if job.status != "done":
        raise SystemExit(f"the job failed: {job.error}")
    return seconds, job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()

    common.configure(LABEL)
    if common.is_sqlite():
        copy_city()
    common.use_database(LABEL, fresh=False)
    from itertools import islice

    from django.core.files.storage import default_storage

    from dudao.accounts.models import User
    from dudao.exports import services
    from dudao.orgs import roster, selectors
    from dudao.orgs.models import OrgUnit, Student, UnitKind
    from dudao.orgs.scoping import acting_assignment

    services._enqueue = lambda job_id: None  # the bench runs the worker's body itself, timed
    user = User.objects.get(username=USER)
    unit = acting_assignment(user).unit  # type: ignore[union-attr]
    total = Student.objects.count()
    common.log(f"data: {total:,} students under {unit.name}; exporting as {USER}")

    product_head = list(
        islice(roster.stream_rows(selectors.students_for(user, unit=unit), unmask_id=False, unmask_phone=False), 5000)
    )
    baseline_head = list(islice(baseline_rows(), 5000))
    if product_head != baseline_head:
        raise SystemExit("the product's rows and the baseline's differ")
    common.log("the first 5,000 rows of both sides are identical")

    gc.collect()
    common.log("baseline: xlsxwriter alone ...")
    cpu = time.process_time()
    baseline, baseline_count = write_baseline(roster.headers())
    baseline_cpu = time.process_time() - cpu
    common.log(f"baseline: {baseline:.1f}s ({baseline_cpu:.1f}s CPU) for {baseline_count:,} rows")

    gc.collect()
    rss_before = rss_kib("VmRSS")
    measured = reset_peak_rss()
    common.log("product: the 下载中心 job ...")
    cpu = time.process_time()
    value, job = run_job(user, unit)
    product_cpu = time.process_time() - cpu
    peak_growth = (rss_kib("VmHWM") - rss_before) / 1024 if measured else float("nan")
    common.log(
        f"product: {value:.1f}s ({product_cpu:.1f}s CPU) for {job.row_count:,} rows, file {job.size / 2**20:.1f} MiB; "
        f"peak RSS growth {peak_growth:.1f} MiB; CPU-time ratio {product_cpu / baseline_cpu:.2f}"
    )
    if job.row_count != baseline_count:
        raise SystemExit(f"row counts differ: job {job.row_count:,}, baseline {baseline_count:,}")
    default_storage.delete(job.storage_name)

    if not args.no_memory:
        district = OrgUnit.objects.filter(kind=UnitKind.DISTRICT).order_by("path").first()
        assert district is not None
        gc.collect()
        tracemalloc.start()
        _, small = run_job(user, district)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        common.log(f"tracemalloc: a job over {district.name} ({small.row_count:,} rows): peak {peak / 2**20:.1f} MiB")
        default_storage.delete(small.storage_name)

    common.result("export_job_s", value, "s", baseline, value / baseline)


if __name__ == "__main__":
    main()
