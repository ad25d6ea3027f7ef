"""receipts_per_s: parents' receipt confirmations per second on the production server, vs a bare endpoint.

Server: gunicorn (the production WSGI server) running dudao with DEBUG off, `--workers` sync workers, on the
benchmark database (SQLite in WAL mode by default; PostgreSQL when DATABASE_URL is set, e.g. through
scripts/with-postgres.sh). Data: the small demo city plus one notice from the city to every student
(~19,800 receipts, one personal link per guardian), sent through the services.

Load: a small threaded HTTP client (stdlib http.client; `--threads` threads, one connection per request as
gunicorn's sync workers close them). Product: `POST /n/<token>/` by a different parent each time (token
check, link lookup, confirmation UPDATE in a transaction, 302 to the thank-you page), expecting the
"first confirmation" redirect. Baseline: `POST /bench/bare-insert/`, a view doing one INSERT through the
same server and middleware (routed only when DUDAO_BENCH_BARE_ENDPOINT=1; never in production). Both
sides run `--requests` requests after a warm-up, alternating twice; the rates are totals over both rounds.
Target: ratio ≥ 0.5; the log says whether 1.2 M confirmations in two hours (≈ 167/s) are met.

locust was considered; a 60-line threaded client does the same job without pulling gevent into the dev
dependencies. The client shares the machine's cores with the server, which caps both sides alike.

    python -m bench.receipts_load [--workers 4] [--threads 16] [--requests 3000]
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench import common

LABEL = "receipts_load"
TITLE = "bench.receipts_load 致家长的一封信"
TARGET_PER_S = 1_200_000 / 7200


def prepare() -> list[str]:
    """A fresh small demo city and one sent notice; the personal tokens of one guardian per student."""
    from dudao.accounts.models import User
    from dudao.demo.loader import load
    from dudao.notices import services, tokens
    from dudao.notices.models import GuardianLink
    from dudao.orgs.models import OrgUnit

    common.use_database(LABEL, fresh=True)
    report = load(scale="small")
    common.log(f"small demo loaded: {report.rows:,} rows in {report.seconds:.1f}s")
    admin = User.objects.get(username="city.admin")
    notice = services.create_notice(
        actor=admin, issuer=OrgUnit.objects.get(depth=1), title=TITLE, body="各位家长：请阅读并确认。"
    )
    counts = services.send_notice(actor=admin, notice=notice)
    common.log(f"notice sent: {counts}")
    links = (
        GuardianLink.objects.filter(receipt__notice=notice).order_by("receipt_id", "id").values_list("receipt_id", "pk")
    )
    first: dict[int, int] = {}
    for receipt, link in links:
        first.setdefault(receipt, link)
    return [tokens.link_token(link) for link in first.values()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workers: int, port: int) -> subprocess.Popen[bytes]:
    from django.db import connection

    env = dict(os.environ)
    env["DUDAO_BENCH_BARE_ENDPOINT"] = "1"
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{connection.settings_dict['NAME']}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "dudao.wsgi:application", "--workers", str(workers), "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/accounts/login/")
            conn.getresponse().read()
            conn.close()
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start: " + (server.stderr.read().decode() if server.stderr else ""))


def server_cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """User + system CPU of the gunicorn workers so far (Linux /proc), to state capacity per core."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def run(port: int, paths: list[str], expect: Callable[[int, str], bool], threads: int) -> tuple[float, int, int]:
    """POST every path once with `threads` threads; (seconds, successes, failures)."""
    jobs: queue.SimpleQueue[str] = queue.SimpleQueue()
    for path in paths:
        jobs.put(path)
    ok = failed = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal ok, failed
        while True:
            try:
                path = jobs.get_nowait()
            except queue.Empty:
                return
            good = False
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", path, body=b"", headers={"Content-Type": "application/x-www-form-urlencoded"})
                response = conn.getresponse()
                response.read()
                good = expect(response.status, response.getheader("Location") or "")
                conn.close()
            except OSError:
                good = False
            with lock:
                if good:
                    ok += 1
                else:
                    failed += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - started, ok, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    common.configure(LABEL)
    tokens = prepare()
    needed = args.warmup + 2 * args.requests
    if len(tokens) < needed:
        raise SystemExit(f"only {len(tokens)} parents for {needed} confirmations: lower --requests")
    from django.db import connection

    from dudao.notices.models import Notice

    vendor = connection.vendor
    connection.close()
    port = free_port()
    server = start_server(args.workers, port)
    common.log(f"gunicorn: {args.workers} workers on {vendor}; client: {args.threads} threads")
    confirm_paths = [f"/n/{t}/" for t in tokens]

    def confirmed(status: int, location: str) -> bool:
        return status == 302 and location.endswith("done=1")

    def inserted(status: int, _: str) -> bool:
        return status == 200

    bare = ["/bench/bare-insert/"] * args.requests
    try:
        run(port, confirm_paths[: args.warmup], confirmed, args.threads)
        run(port, bare[: args.warmup], inserted, args.threads)
        product_s = baseline_s = product_cpu = baseline_cpu = 0.0
        product_ok = baseline_ok = failures = 0
        rest = confirm_paths[args.warmup :]
        for round_ in range(2):
            batch = rest[round_ * args.requests : (round_ + 1) * args.requests]
            sides = [("product", batch, confirmed), ("baseline", bare, inserted)]
            for name, paths, expect in sides if round_ == 0 else reversed(sides):
                cpu_before = server_cpu_seconds(server)
                seconds, ok, failed = run(port, paths, expect, args.threads)
                cpu = server_cpu_seconds(server) - cpu_before
                failures += failed
                common.log(
                    f"round {round_ + 1} {name}: {ok} ok, {failed} failed in {seconds:.2f}s = {ok / seconds:.0f}/s"
                )
                if name == "product":
                    product_s, product_ok, product_cpu = product_s + seconds, product_ok + ok, product_cpu + cpu
                else:
                    baseline_s, baseline_ok, baseline_cpu = baseline_s + seconds, baseline_ok + ok, baseline_cpu + cpu
    finally:
        server.terminate()
        server.wait(timeout=30)
    notice = Notice.objects.get(title=TITLE)
    stored = notice.receipts.filter(confirmed_at__isnull=False).count()
    expected = product_ok + args.warmup
    common.log(f"receipts confirmed in the database: {stored:,} (expected {expected:,}); failures: {failures}")
    if stored != expected:
        raise SystemExit("the database does not hold one confirmation per successful request")
    value = product_ok / product_s
    base = baseline_ok / baseline_s
    hours = 1_200_000 / value / 3600
    verdict = "met" if value >= TARGET_PER_S else "NOT met"
    common.log(
        f"1.2 M confirmations in 2 h need {TARGET_PER_S:.0f}/s: {verdict} "
        f"({value:.0f}/s → 1.2 M in {hours:.2f} h on {vendor})"
    )
    if product_cpu and baseline_cpu:
        per_core = product_ok / product_cpu
        common.log(
            f"server CPU per request: confirmation {1000 * product_cpu / product_ok:.1f} ms, bare insert "
            f"{1000 * baseline_cpu / baseline_ok:.1f} ms; one dedicated core serves ≈ {per_core:.0f} confirmations/s, "
            f"so 167/s needs ≈ {TARGET_PER_S / per_core:.1f} cores of app server"
        )
    common.result("receipts_per_s", value, "req/s", base, value / base)


if __name__ == "__main__":
    main()
