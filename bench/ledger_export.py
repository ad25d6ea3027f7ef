"""ledger_export_s: the city-wide rectification ledger (60,000 items) exported to .xlsx.

Value: seconds of the product path for `bench.ledger.city` (bureau_staff at the root):
`qs = ledger(user, LedgerFilters(), today=TODAY)`, `export_count_check(qs)` (the size guard an
export view calls first), then `xlsx_response(filename=..., headers=EXPORT_HEADERS,
rows=export_rows(qs, today=TODAY), sheet_name="整改台账", column_widths=EXPORT_WIDTHS)`, then the
FileResponse read to its end (bytes counted, not kept).
Baseline (floor): the same 60,000 rows and 15 columns fetched inside the timing by ONE plain SQL
query into tuples (`cursor.fetchall()`): item JOIN school and finding, LEFT JOIN owner and the
district (by path prefix), ORDER BY school path, due_date, id, with the cell values computed in
SQL (finding source or 外部移交, local dates, status label, 是/否 overdue); then written with
xlsxwriter alone in constant_memory mode (same header, formats and widths; dates by
write_datetime, numbers by write_number, text by write_string) to a temporary file, read back
to its end. The query is the cheapest honest way to get the same cells; the product's extra
work (Django row conversion, per-cell type dispatch, formula-injection guard, the count) is what
the ratio shows. Both workbooks are read back (python-calamine) once and must hold identical cells.
Ratio: value / baseline (target ≤ 2). Sides alternate which goes first; medians of `--repeat`.

Memory (not timed, after the timing): peak Python allocation (tracemalloc) and peak RSS growth
(VmHWM, reset through /proc/self/clear_refs) of one export of the first 20,000 and of all
60,000 items, for the product path and the baseline; flat product figures = streamed.

    python -m bench.ledger_export [--repeat 5] [--no-memory]

Data: bench.ledger_data (60,000 items on the city demo; built once, cached in bench/.data).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import common

SHEET = "整改台账"
TITLE = "临江市教育局问题整改台账（截至2026年11月28日）"


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


def measure_memory(fn: Callable[[], Any]) -> tuple[float, float]:
    """(tracemalloc peak MiB, peak RSS growth MiB) of one call, traced by tracemalloc.

    The RSS growth is VmHWM (reset just before) minus VmRSS before the call; it includes
    tracemalloc's own bookkeeping and whatever SQLite's page cache adds, so read it as an upper
    bound; the tracemalloc peak is the Python-side figure.
    """
    gc.collect()
    reset_peak_rss()
    rss_before = rss_kib("VmRSS")
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    hwm = rss_kib("VmHWM")
    return peak / 2**20, max(0, hwm - rss_before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-memory", action="store_true", help="skip the memory comparison")
    args = parser.parse_args()

    from bench import ledger_data

    common.configure(ledger_data.LABEL)
    import xlsxwriter
    from django.conf import settings
    from django.db import connection
    from django.db.models import Min

    from dudao.accounts.models import User
    from dudao.core.excel import read_rows, xlsx_response
    from dudao.inspections.models import Finding
    from dudao.orgs.models import OrgUnit, UnitKind
    from dudao.orgs.scoping import scope_root_path
    from dudao.rectification.excel import EXPORT_HEADERS, EXPORT_WIDTHS, export_count_check, export_rows
    from dudao.rectification.models import ItemStatus, RectificationItem
    from dudao.rectification.selectors import LedgerFilters, ledger

    if settings.TIME_ZONE != "Asia/Shanghai":
        raise SystemExit("the baseline computes local dates for Asia/Shanghai (UTC+8, no DST)")
    data = ledger_data.prepare()
    sqlite = connection.vendor == "sqlite"
    today = data.today
    user = data.city_user
    qs = ledger(user, LedgerFilters(), today=today)
    total = qs.count()
    first_id = qs.aggregate(first=Min("id"))["first"]
    common.log(f"data scale: city demo, {total:,} rectification items visible to {user.username}; today={today}")

    # ----- product path --------------------------------------------------------------------------
    def product(limit: int | None = None) -> int:
        scoped = qs if limit is None else qs.filter(id__lt=first_id + limit)
        export_count_check(scoped)
        response = xlsx_response(
            filename="整改台账.xlsx",
            headers=EXPORT_HEADERS,
            rows=export_rows(scoped, today=today),
            sheet_name=SHEET,
            column_widths=EXPORT_WIDTHS,
            title=TITLE,
            landscape=True,
        )
        size = 0
        for chunk in response:
            size += len(chunk)
        response.close()
        return size

    # ----- baseline: one SQL query into tuples, xlsxwriter alone ---------------------------------
    qn = connection.ops.quote_name
    item_t, unit_t = qn(RectificationItem._meta.db_table), qn(OrgUnit._meta.db_table)
    user_t, insp_t = qn(User._meta.db_table), qn(Finding._meta.db_table)
    width = OrgUnit.steplen * 2
    scope = scope_root_path(user, "rectification.read")
    if scope is None:
        raise SystemExit(f"{user.username} may not read the ledger")
    if sqlite:
        local_created = f"DATE(i.{qn('created_at')}, '+8 hours')"
        local_closed = f"DATE(i.{qn('closed_at')}, '+8 hours')"
        under = f"u.{qn('path')} GLOB %s"
        pattern = scope + "*"
    else:
        local_created = f"(i.{qn('created_at')} AT TIME ZONE 'Asia/Shanghai')::date"
        local_closed = f"(i.{qn('closed_at')} AT TIME ZONE 'Asia/Shanghai')::date"
        under = f"u.{qn('path')} LIKE %s"
        pattern = scope + "%"
    labels = list(ItemStatus.choices)
    label_case = "CASE i.{s} {whens} END".format(s=qn("status"), whens=" ".join("WHEN %s THEN %s" for _ in labels))
    base_sql = (
        f"SELECT COALESCE(d.{qn('name')}, ''), u.{qn('name')}, i.{qn('category')}, i.{qn('description')}, "
        f"COALESCE(NULLIF(n.{qn('source')}, ''), '外部移交'), {local_created}, COALESCE(o.{qn('full_name')}, ''), "
        f"COALESCE(o.{qn('title')}, ''), i.{qn('responsibility')}, i.{qn('due_date')}, i.{qn('progress')}, "
        f"{label_case}, "
        f"CASE WHEN i.{qn('status')} <> %s AND i.{qn('due_date')} < %s THEN '是' ELSE '否' END, {local_closed} "
        f"FROM {item_t} i INNER JOIN {unit_t} u ON i.{qn('school_id')} = u.{qn('id')} "
        f"LEFT JOIN {unit_t} d ON d.{qn('path')} = SUBSTR(u.{qn('path')}, 1, {width}) AND d.{qn('kind')} = %s "
        f"LEFT JOIN {user_t} o ON i.{qn('owner_id')} = o.{qn('id')} "
        f"INNER JOIN {insp_t} n ON i.{qn('finding_id')} = n.{qn('id')} "
        f"WHERE {under} {{extra}}ORDER BY u.{qn('path')}, i.{qn('due_date')}, i.{qn('id')}"
    )
    day: Any = today.isoformat() if sqlite else today
    base_params: list[Any] = [value for pair in labels for value in pair]
    base_params += [ItemStatus.CLOSED, day, UnitKind.DISTRICT, pattern]

    def as_date(value: Any) -> dt.date:
        return dt.date.fromisoformat(value) if isinstance(value, str) else value

    def baseline(limit: int | None = None, out: Any = None) -> int:
        sql = base_sql.format(extra="" if limit is None else f"AND i.{qn('id')} < %s ")
        params = base_params if limit is None else [*base_params, first_id + limit]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        spool = out or tempfile.TemporaryFile()  # noqa: SIM115
        workbook = xlsxwriter.Workbook(
            spool, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        sheet = workbook.add_worksheet(SHEET)
        bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        # The same printed-ledger layout as the product: title, frozen filterable header, A4 landscape.
        heading = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
        sheet.merge_range(0, 0, 0, len(EXPORT_HEADERS) - 1, TITLE, heading)
        for col, title in enumerate(EXPORT_HEADERS):
            sheet.write_string(1, col, title, bold)
            sheet.set_column(col, col, EXPORT_WIDTHS[col], wrap if EXPORT_WIDTHS[col] >= 25 else None)
        sheet.freeze_panes(2, 0)
        sheet.repeat_rows(1)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        write_string, write_number, write_datetime = sheet.write_string, sheet.write_number, sheet.write_datetime
        for n, row in enumerate(rows, start=1):
            r = n + 1
            write_number(r, 0, n)
            write_string(r, 1, row[0])
            write_string(r, 2, row[1])
            write_string(r, 3, row[2])
            write_string(r, 4, row[3])
            write_string(r, 5, row[4])
            write_datetime(r, 6, as_date(row[5]), date_format)
            write_string(r, 7, row[6])
            write_string(r, 8, row[7])
            write_string(r, 9, row[8])
            write_datetime(r, 10, as_date(row[9]), date_format)
            write_number(r, 11, row[10])
            write_string(r, 12, row[11])
            write_string(r, 13, row[12])
            if row[13] is not None:
                write_datetime(r, 14, as_date(row[13]), date_format)
        sheet.autofilter(1, 0, len(rows) + 1, len(EXPORT_HEADERS) - 1)
        workbook.close()
        if out is not None:
            return len(rows)
        spool.seek(0)
        size = 0
        while chunk := spool.read(4096):
            size += len(chunk)
        spool.close()
        return size

    # ----- same cells on both sides (untimed) -----------------------------------------------------
    started = time.perf_counter()
    response = xlsx_response(
        filename="整改台账.xlsx",
        headers=EXPORT_HEADERS,
        rows=export_rows(qs, today=today),
        sheet_name=SHEET,
        column_widths=EXPORT_WIDTHS,
        title=TITLE,
        landscape=True,
    )
    product_bytes = b"".join(response)
    response.close()
    with tempfile.TemporaryFile() as spool:
        written = baseline(out=spool)
        spool.seek(0)
        baseline_bytes = spool.read()
    # A title row above the header: total + 1 rows below the header.
    product_cells = read_rows(product_bytes, max_rows=total + 1)
    baseline_cells = read_rows(baseline_bytes, max_rows=total + 1)
    if len(product_cells) != total + 2 or written != total:
        raise SystemExit(f"expected {total:,} rows: product sheet {len(product_cells) - 2:,}, baseline {written:,}")
    if product_cells != baseline_cells:
        bad = next(i for i, (a, b) in enumerate(zip(product_cells, baseline_cells, strict=False)) if a != b)
        raise SystemExit(f"sheets differ at row {bad + 1}: {product_cells[bad]} vs {baseline_cells[bad]}")
    common.log(
        f"both sheets hold the same {total:,} rows x {len(EXPORT_HEADERS)} cells "
        f"(product {len(product_bytes) / 2**20:.2f} MiB, baseline {len(baseline_bytes) / 2**20:.2f} MiB .xlsx); "
        f"checked in {time.perf_counter() - started:.1f}s"
    )
    del product_bytes, baseline_bytes, product_cells, baseline_cells

    # ----- timing -------------------------------------------------------------------------------
    product_s: list[float] = []
    baseline_s: list[float] = []
    for rep in range(args.repeat):
        for side in ("product", "baseline") if rep % 2 == 0 else ("baseline", "product"):
            gc.collect()
            started = time.perf_counter()
            if side == "product":
                product()
                product_s.append(time.perf_counter() - started)
            else:
                baseline()
                baseline_s.append(time.perf_counter() - started)
        common.log(f"repetition {rep + 1}: product {product_s[-1]:.3f}s, baseline {baseline_s[-1]:.3f}s")

    # ----- memory -------------------------------------------------------------------------------
    if not args.no_memory:
        small = 20_000
        for label, fn in (("product", product), ("baseline", baseline)):
            for limit in (small, None):
                peak, hwm = measure_memory(lambda fn=fn, limit=limit: fn(limit))
                rows = small if limit else total
                common.log(
                    f"memory {label:8} {rows:>6,} rows: tracemalloc peak {peak:7.2f} MiB, "
                    f"peak RSS growth {hwm:7.2f} MiB"
                )

    value, baseline_value = common.median(product_s), common.median(baseline_s)
    common.log(
        f"median: product {value:.3f}s ({total / value:,.0f} rows/s), "
        f"baseline {baseline_value:.3f}s ({total / baseline_value:,.0f} rows/s)"
    )
    common.result("ledger_export_s", value, "s", baseline_value, value / baseline_value)


if __name__ == "__main__":
    main()
