"""concurrency_rps: 20 concurrent users on a realistic mix for 60 s through the production server, at city scale.

Server: gunicorn as deployed (`dudao.wsgi`, DEBUG off, static files collected), `--workers 2 --threads 4` on this
2-core machine, on the city demo database (bench/.data/city.sqlite3, SQLite in WAL mode) or DATABASE_URL (e.g.
`bash scripts/with-postgres.sh .venv/bin/python -m bench.concurrency`; the city demo must be loaded there).

Mix, drawn at random per request (weights): the home page of the city director and of a district admin (30),
the district's ledger (20), the 示范点 directive's completeness page for the district (15), a class check
submitted through the API by one of 200 class teachers (20), a parent confirming the 创城 letter through their
personal link (15). Browser users carry real session cookies (created through the session engine: no password
hashing inside the window); teachers send bearer tokens. Every response must be 200 (302 for the parent's
confirmation); anything else is an error.

Load generator: `--clients` threads with keep-alive connections, `--seconds` after a 5 s warm-up. Prints requests/s,
p50/p95 per kind and overall, and errors. Value: requests/s. Baseline: the target, 40/s. Ratio: 40 / value
(≤ 1 meets the target; p95 ≤ 1 s and 0 errors are checked and printed beside it).

    python -m bench.concurrency [--clients 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from bench import common

TARGET_RPS = 40.0
TARGET_P95_MS = 1000.0


@dataclass
class Job:
    kind: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""
    expect: int = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def session_cookie(username: str) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from dudao.accounts.models import User

    user = User.objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["_refreshed"] = int(time.time())
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def prepare(teachers: int) -> dict[str, Any]:
    """Sessions, teacher tokens, parents' link tokens and the pages of the mix, from the city demo."""
    from django.utils import timezone

    from dudao.accounts.models import User
    from dudao.accounts.services import create_token
    from dudao.directives.models import Directive
    from dudao.health.models import DailyCheck
    from dudao.notices import tokens
    from dudao.notices.models import GuardianLink, Notice, Receipt
    from dudao.orgs.models import RoleAssignment, Student

    district_admin = User.objects.get(username="district.admin")
    director = "city.director" if User.objects.filter(username="city.director").exists() else "city.admin"
    directive = Directive.objects.filter(title__contains="示范点").order_by("id").first()
    holders = list(
        RoleAssignment.objects.filter(role="class_teacher", unit__path__startswith=district_admin.unit.path)
        .select_related("user", "unit")
        .order_by("id")[:teachers]
    )
    teacher_jobs = []
    for holder in holders:
        _, token = create_token(actor=holder.user, name="bench.concurrency", days=1)
        students = list(Student.objects.filter(klass=holder.unit, status="enrolled").values_list("pk", flat=True))
        teacher_jobs.append((holder.unit.pk, token, students))
    letter = Notice.objects.filter(title__startswith="创建全国文明城市").order_by("id").first()
    pending = Receipt.objects.filter(notice=letter, confirmed_at__isnull=True).order_by("id").values_list("pk")[:20000]
    first: dict[int, int] = {}
    for receipt, link in GuardianLink.objects.filter(receipt_id__in=pending).values_list("receipt_id", "pk"):
        first.setdefault(receipt, link)
    checked = set(
        DailyCheck.objects.filter(
            klass_id__in=[klass for klass, _, _ in teacher_jobs], date__gte=timezone.localdate() - dt.timedelta(days=7)
        ).values_list("klass_id", "date", "session")
    )
    return {
        "checked": checked,
        "cookies": {"director": session_cookie(director), "district": session_cookie("district.admin")},
        "completeness": f"/directives/{directive.pk}/" if directive else "/directives/",
        "teachers": teacher_jobs,
        "parents": [tokens.link_token(link) for link in first.values()],
        "today": timezone.localdate(),
    }


def job_source(data: dict[str, Any], seed: int) -> Any:
    rng = random.Random(seed)
    lock = threading.Lock()
    parents = list(data["parents"])
    rng.shuffle(parents)
    # Checks may be entered for the last seven days; slots the demo already filled would be corrections (409).
    slots = [
        (index, back, session)
        for index in range(len(data["teachers"]))
        for back in range(7)
        for session in ("morning", "noon", "evening")
        if (data["teachers"][index][0], data["today"] - dt.timedelta(days=back), session) not in data["checked"]
    ]
    rng.shuffle(slots)
    counters = {"slot": 0, "parent": 0}
    director = {"Cookie": data["cookies"]["director"]}
    district = {"Cookie": data["cookies"]["district"]}
    kinds = ["home", "ledger", "completeness", "check", "confirm"]
    weights = [30, 20, 15, 20, 15]

    def next_job() -> Job:
        with lock:
            kind = rng.choices(kinds, weights)[0]
            if kind == "check" and data["teachers"]:
                index, back, session = slots[counters["slot"] % len(slots)]
                counters["slot"] += 1
                klass, token, students = data["teachers"][index]
                # The same answer for the same slot: once every open slot is used the mix wraps around, and a
                # teacher tapping 提交 again on a day already past is a harmless repeat (not a 409 correction).
                slot_rng = random.Random(f"{index}-{back}-{session}")
                absent = slot_rng.sample(students, min(len(students), slot_rng.randint(0, 2)))
                body = {
                    "class_id": klass,
                    "date": (data["today"] - dt.timedelta(days=back)).isoformat(),
                    "session": session,
                    "absences": [{"student": s, "reason": "other"} for s in absent],
                }
                return Job(
                    "check",
                    "POST",
                    "/api/v1/health/checks",
                    {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                    json.dumps(body).encode(),
                )
            if kind == "confirm" and counters["parent"] < len(parents):
                token = parents[counters["parent"]]
                counters["parent"] += 1
                return Job(
                    "confirm",
                    "POST",
                    f"/n/{token}/",
                    {"Content-Type": "application/x-www-form-urlencoded"},
                    b"q1=%E6%98%AF",
                    expect=302,
                )
            if kind == "ledger":
                return Job("ledger", "GET", "/ledger/", district)
            if kind == "completeness":
                return Job("completeness", "GET", data["completeness"], district)
            return Job("home", "GET", "/", director if rng.random() < 0.5 else district)

    return next_job


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DUDAO_ALLOWED_HOSTS": "127.0.0.1"}
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    proc = subprocess.Popen(
        [
            gunicorn,
            "dudao.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        env=env,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def run(port: int, next_job: Any, seconds: float, clients: int) -> tuple[dict[str, list[float]], dict[str, int], float]:
    stop = time.perf_counter() + seconds
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < stop:
            job = next_job()
            started = time.perf_counter()
            try:
                conn.request(job.method, job.path, body=job.body or None, headers=job.headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                with lock:
                    errors[f"{job.kind}: {type(exc).__name__}"] += 1
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status == job.expect:
                    timings[job.kind].append(elapsed)
                else:
                    errors[f"{job.kind}: {status} {data[:60]!r}"] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, errors, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--teachers", type=int, default=200)
    args = parser.parse_args()

    common.configure("city")
    from django.core.management import call_command
    from django.db import connection

    from bench.scoping import ensure_city

    ensure_city()
    # The indicator summary as production keeps it (huey refreshes it every 10 minutes): the leaders' home pages
    # read it while it is younger than DUDAO_SUMMARY_MAX_AGE_MINUTES, else they compute every figure live.
    from dudao.command import summary

    summary.refresh()
    call_command("collectstatic", interactive=False, verbosity=0)
    data = prepare(args.teachers)
    common.log(f"{len(data['teachers'])} teachers with tokens, {len(data['parents'])} parents' links")
    if connection.vendor == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{connection.settings_dict['NAME']}"
    connection.close()
    port = free_port()
    server = start_server(port)
    try:
        run(port, job_source(data, 1), 5, args.clients)  # warm-up: imports, connections, caches
        load_before = os.getloadavg()[0]
        timings, errors, elapsed = run(port, job_source(data, 2), args.seconds, args.clients)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    everything = [t for values in timings.values() for t in values]
    rps = (len(everything) + sum(errors.values())) / elapsed
    print(f"\n{'kind':<14}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}")
    for kind, values in sorted(timings.items()):
        print(f"{kind:<14}{len(values):>7}{percentile(values, 0.5):>9.0f}{percentile(values, 0.95):>9.0f}")
    p95 = percentile(everything, 0.95)
    print(f"{'all':<14}{len(everything):>7}{percentile(everything, 0.5):>9.0f}{p95:>9.0f}")
    for key, n in sorted(errors.items()):
        print(f"ERROR x{n}: {key}")
    common.log(
        f"{args.clients} clients, {elapsed:.0f} s: {rps:.1f} requests/s, p95 {p95:.0f} ms, "
        f"{sum(errors.values())} errors; load average at start {load_before:.2f}, now {os.getloadavg()[0]:.2f}; "
        f"target ≥ {TARGET_RPS:.0f}/s, p95 ≤ {TARGET_P95_MS:.0f} ms, 0 errors: "
        + ("met" if rps >= TARGET_RPS and p95 <= TARGET_P95_MS and not errors else "NOT met")
    )
    common.result("concurrency_rps", rps, "req/s", TARGET_RPS, TARGET_RPS / rps if rps else float("inf"))


if __name__ == "__main__":
    main()
