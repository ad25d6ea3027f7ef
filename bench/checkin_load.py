"""checkin_per_s: sustained class-check submissions per second through the production server, vs a bare
authenticated endpoint doing one insert, measured by the same load generator in the same run.

Server: gunicorn as in the README's deployment section (`gunicorn dudao.wsgi`), here with
`--workers 2 --threads 4` (2 cores) and `DJANGO_SETTINGS_MODULE=bench.checkin_settings`, which is the
product's settings plus a bench-only URLconf adding the baseline endpoint (`bench/checkin_urls.py`; never
exposed by the product). SQLite in WAL mode (the product's settings) unless DATABASE_URL is set, e.g. by
`bash scripts/with-postgres.sh .venv/bin/python -m bench.checkin_load`.

Data: one district, 20 schools × 25 classes (500 classes, 45 students each, 22,500 students), a class teacher
with an API token per class, the default disease and threshold tables. Every product request is a new check
(class × day of the last week × session, never repeated): `POST /api/v1/health/checks` with 0–3 absences
(illness with fever/cough and a temperature, other, or unwell), so rules 1–3 run on each one with illness.
Baseline: `POST /bench/bare/insert` with the same bearer tokens: authentication plus one INSERT.

Load generator: a small threaded HTTP/1.1 keep-alive client (locust would add gevent and its own CPU load on a
2-core machine); `--clients` threads for `--seconds` per phase, phases interleaved product, baseline,
baseline, product; the figure is requests completed per second with status 200 (others are counted and must
be zero). 40,000 classes submitting within one hour is ≈ 11/s, peaks ×5 ≈ 56/s.

    python -m bench.checkin_load [--seconds 15] [--clients 8]
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
from typing import Any

from bench import common

LABEL = "checkin_load"
SCHOOLS = 20
CLASSES_PER_SCHOOL = 25
STUDENTS_PER_CLASS = 45
SYMPTOMS = [["fever", "cough"], ["fever"], ["cough", "sore_throat"], ["diarrhoea"], ["vomiting"], ["other"], ["rash"]]


def build() -> list[tuple[int, str, list[int]]]:
    """The org tree, students, teachers and their tokens; returns (class id, token, student ids) per class."""
    from django.contrib.auth.hashers import make_password

    from dudao.accounts.models import User
    from dudao.accounts.services import create_token
    from dudao.orgs.models import OrgUnit, RoleAssignment, Student

    root = OrgUnit.add_root(name="压测市教育局", kind="bureau")
    district = root.add_child(name="压测区教育局", kind="district")
    password = make_password(None)
    classes: list[OrgUnit] = []
    for s in range(SCHOOLS):
        school = district.add_child(name=f"压测学校{s + 1}", kind="school", school_type="primary")
        grade = school.add_child(name="五年级", kind="grade")
        for c in range(CLASSES_PER_SCHOOL):
            classes.append(grade.add_child(name=f"五年级（{c + 1}）班", kind="class"))
            grade.refresh_from_db()
    common.insert_students(
        [k.pk for k in classes], STUDENTS_PER_CLASS, letter="L", gender="F", birth=dt.date(2015, 5, 1)
    )
    out = []
    for klass in classes:
        teacher = User.objects.create(username=f"t{klass.pk}", full_name="班主任", password=password, unit=klass)
        RoleAssignment.objects.create(user=teacher, role="class_teacher", unit=klass)
        _, token = create_token(actor=teacher, name="bench", days=30)
        students = list(Student.objects.filter(klass=klass).values_list("pk", flat=True))
        out.append((klass.pk, token, students))
    return out


def ensure_disease_tables() -> None:
    """`use_database(fresh=True)` flushes every table on PostgreSQL, the default disease and threshold tables
    (a data migration) included: load them again."""
    import importlib

    from django.apps import apps

    from dudao.health.models import Disease

    if not Disease.objects.exists():
        importlib.import_module("dudao.health.migrations.0002_default_diseases").load(apps, None)
    common.log(f"disease table: {Disease.objects.count()} diseases")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.checkin_settings", "DUDAO_ALLOWED_HOSTS": "127.0.0.1"}
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
            conn.request("GET", "/api/v1/me")  # JSON, no templates (static manifest not needed)
            if conn.getresponse().status == 401:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


class Phase:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ok = 0
        self.failed = 0
        self.errors: dict[str, int] = {}
        self.lock = threading.Lock()


def run_phase(port: int, phase: Phase, seconds: float, clients: int, jobs: Any) -> float:
    stop = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop:
            method, path, token, body = jobs()
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with phase.lock:
                    phase.failed += 1
                    phase.errors[type(exc).__name__] = phase.errors.get(type(exc).__name__, 0) + 1
                continue
            with phase.lock:
                if response.status == 200:
                    phase.ok += 1
                else:
                    phase.failed += 1
                    key = f"{response.status}:{data[:80]!r}"
                    phase.errors[key] = phase.errors.get(key, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return phase.ok / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    common.configure(LABEL)
    from django.db import connection

    common.use_database(LABEL, fresh=True)
    ensure_disease_tables()
    common.log("building 500 classes, 22,500 students, 500 teachers with tokens …")
    classes = build()
    if connection.vendor == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{common.sqlite_path(LABEL)}"
    connection.close()
    rng = random.Random(7)
    from django.utils import timezone

    today = timezone.localdate()
    slots = [(c, d, s) for c in range(len(classes)) for d in range(7) for s in ("morning", "noon", "evening")]
    rng.shuffle(slots)
    slot_lock = threading.Lock()
    position = [0]

    def check_job() -> tuple[str, str, str, str]:
        with slot_lock:
            index, back, session = slots[position[0] % len(slots)]
            position[0] += 1
        klass, token, students = classes[index]
        local = random.Random(position[0])
        absences = []
        for student in local.sample(students, local.randint(0, 3)):
            reason = local.choice(["illness", "illness", "other", "unwell"])
            if reason == "other":
                absences.append({"student": student, "reason": reason})
            else:
                symptoms = local.choice(SYMPTOMS)
                temperature = round(local.uniform(37.3, 39.5), 1) if "fever" in symptoms else None
                absences.append(
                    {"student": student, "reason": reason, "symptoms": symptoms, "temperature": temperature}
                )
        day = (today - dt.timedelta(days=back)).isoformat()
        body = json.dumps({"class_id": klass, "date": day, "session": session, "absences": absences})
        return "POST", "/api/v1/health/checks", token, body

    def bare_job() -> tuple[str, str, str, str]:
        klass, token, _ = classes[random.randrange(len(classes))]
        return "POST", "/bench/bare/insert", token, "{}"

    port = free_port()
    server = start_server(port)
    try:
        # Warm both paths (imports, connections, statement caches) before measuring.
        run_phase(port, Phase("warm"), 2, args.clients, check_job)
        run_phase(port, Phase("warm"), 2, args.clients, bare_job)
        results: dict[str, list[float]] = {"product": [], "baseline": []}
        for name in ("product", "baseline", "baseline", "product"):
            phase = Phase(name)
            rate = run_phase(port, phase, args.seconds, args.clients, check_job if name == "product" else bare_job)
            common.log(f"{name}: {rate:.1f}/s ok={phase.ok} failed={phase.failed} {phase.errors or ''}")
            if phase.failed:
                raise SystemExit(f"{name} phase had failures: {phase.errors}")
            results[name].append(rate)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    from dudao.health.models import AbsenceRecord, Alert, DailyCheck

    common.log(
        f"rows: {DailyCheck.objects.count():,} checks, {AbsenceRecord.objects.count():,} absences, "
        f"{Alert.objects.count():,} alerts"
    )
    product = sum(results["product"]) / 2
    baseline = sum(results["baseline"]) / 2
    needed = 40_000 / 3600
    common.log(
        f"40,000 classes in one hour need {needed:.1f}/s, peaks ×5 {needed * 5:.0f}/s: "
        f"{'met' if product >= needed * 5 else 'average met, peak not' if product >= needed else 'NOT met'}"
    )
    common.result(f"checkin_per_s_{connection.vendor}", product, "req/s", baseline, product / baseline)


if __name__ == "__main__":
    main()
