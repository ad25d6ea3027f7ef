"""The Python half of scripts/prod-drill.sh: prepare the load, run it through nginx while faults are injected,
and verify the outcome in the database.

    python scripts/prod_drill.py prepare PLAN.json [--checks N] [--confirms N]
    python scripts/prod_drill.py enqueue PLAN.json          # queued notice sends (huey), run mid-load
    python scripts/prod_drill.py load PLAN.json RESULT.json --url https://127.0.0.1:21443 \
        [--threads 8] [--fault 0.2=/path/kill-app1.sh ...]
    python scripts/prod_drill.py verify PLAN.json RESULT.json

The load: class health checks (`POST /api/v1/health/checks`, each with its own `Idempotency-Key`, one teacher's
token per class), parents' confirmations (`POST /n/<token>/`) and, in a thread beside them, heavy reads routed to
the read replica (`GET /api/v1/directives/<id>/completeness`). A request that fails in transit (connection reset,
502/503/504 while an app server is down) is sent again with the same key until it is answered, as the phone page
and any API client do. `verify` then counts: every submission stored exactly once, every confirmation stored.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import queue
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# 429: nginx's per-address limit on parents' pages (the whole load comes from one address); sent again later.
RETRY_STATUSES = {429, 502, 503, 504}
MAX_ATTEMPTS = 60
DRILL_TITLE = "演练：致家长的一封信"
QUEUED_TITLE = "演练：排队发送的告知书"


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")
    import django

    django.setup()


# --- prepare ------------------------------------------------------------------------------------------------------


def prepare(plan_path: Path, checks: int, confirms: int, queued: int) -> None:
    django_setup()
    from django.utils import timezone

    from dudao.accounts.models import User
    from dudao.accounts.services import create_token
    from dudao.directives.models import Directive
    from dudao.health.models import DailyCheck
    from dudao.notices import services as notices
    from dudao.notices import tokens
    from dudao.notices.models import GuardianLink
    from dudao.orgs.models import OrgUnit, RoleAssignment

    today = timezone.localdate()
    taken = set(DailyCheck.objects.values_list("klass_id", "date", "session"))
    classes = list(OrgUnit.objects.filter(kind="class", is_closed=False).order_by("path"))
    slots = [
        (klass, today - dt.timedelta(days=back), session)
        for back in range(7)
        for session in ("morning", "noon", "evening")
        for klass in classes
        if (klass.pk, today - dt.timedelta(days=back), session) not in taken
    ][:checks]
    teachers: dict[int, str] = {}
    for klass, _, _ in slots:
        if klass.pk in teachers:
            continue
        teacher = User.objects.create(username=f"drill.t{klass.pk}", full_name="演练班主任", unit=klass)
        RoleAssignment.objects.create(user=teacher, role="class_teacher", unit=klass)
        teachers[klass.pk] = create_token(actor=teacher, name="drill", days=1)[1]
    check_jobs = [
        {"class_id": k.pk, "date": d.isoformat(), "session": s, "token": teachers[k.pk], "key": uuid.uuid4().hex}
        for k, d, s in slots
    ]

    admin = User.objects.get(username="city.admin")
    city = OrgUnit.objects.get(depth=1)
    notice = notices.create_notice(actor=admin, issuer=city, title=DRILL_TITLE, body="各位家长：请阅读并确认。")
    notices.send_notice(actor=admin, notice=notice)
    links = (
        GuardianLink.objects.filter(receipt__notice=notice).order_by("receipt_id", "id").values_list("receipt_id", "pk")
    )
    first: dict[int, int] = {}
    for receipt, link in links:
        first.setdefault(receipt, link)
    confirm_tokens = [tokens.link_token(link) for link in list(first.values())[:confirms]]

    # Drafts sent mid-load through the queue (enqueue), one per school, to see queued work survive the consumer.
    schools = list(OrgUnit.objects.filter(kind="school", is_closed=False).order_by("path")[:queued])
    drafts = [
        notices.create_notice(
            actor=admin, issuer=city, title=f"{QUEUED_TITLE}（{school.name}）", body="请阅读。", audience_units=[school]
        ).pk
        for school in schools
    ]

    directive = Directive.objects.filter(periods__isnull=False).order_by("pk").first()
    reader = create_token(actor=admin, name="drill-reader", days=1)[1]
    plan = {
        "checks": check_jobs,
        "confirms": confirm_tokens,
        "notice": notice.pk,
        "queued_drafts": drafts,
        "reader_token": reader,
        "read_path": f"/api/v1/directives/{directive.pk}/completeness" if directive else "/api/v1/indicators",
    }
    plan_path.write_text(json.dumps(plan))
    print(
        f"prepared: {len(check_jobs)} checks for {len(teachers)} classes, {len(confirm_tokens)} confirmations, "
        f"{len(drafts)} queued notices, reads of {plan['read_path']}"
    )


def enqueue(plan_path: Path) -> None:
    """Send the drafts: above DUDAO_NOTICE_SYNC_LIMIT each send is a huey job (the drill sets the limit low)."""
    django_setup()
    from dudao.accounts.models import User
    from dudao.notices import services as notices
    from dudao.notices.models import Notice

    plan = json.loads(plan_path.read_text())
    admin = User.objects.get(username="city.admin")
    for notice in Notice.objects.filter(pk__in=plan["queued_drafts"]):
        notices.send_notice(actor=admin, notice=notice)
    print(f"enqueued {len(plan['queued_drafts'])} notice sends")


# --- load ---------------------------------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTPS connection per thread, reopened after any failure."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 443
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE  # the drill's self-signed certificate
        self.conn: http.client.HTTPSConnection | None = None

    def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, str]:
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(self.host, self.port, timeout=60, context=self.context)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, data, response.getheader("Location") or ""
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent = 0
        self.accepted = 0
        self.retries = 0
        self.rejected: dict[str, int] = {}
        self.transient: dict[str, int] = {}
        self.check_ids: dict[str, int] = {}
        self.confirmed: list[str] = []

    def note(self, table: dict[str, int], what: str) -> None:
        with self.lock:
            table[what] = table.get(what, 0) + 1


def send_until_answered(
    client: Client, tally: Tally, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes, str]:
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            with tally.lock:
                tally.retries += 1
            time.sleep(0.5)
        try:
            status, data, location = client.request(method, path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            tally.note(tally.transient, type(exc).__name__)
            continue
        if status in RETRY_STATUSES:
            tally.note(tally.transient, str(status))
            continue
        return status, data, location
    return 0, b"", ""


def _check(client: Client, tally: Tally, job: dict[str, Any]) -> None:
    body = {"class_id": job["class_id"], "date": job["date"], "session": job["session"], "absences": []}
    headers = {
        "Authorization": f"Bearer {job['token']}",
        "Idempotency-Key": job["key"],
        "Content-Type": "application/json",
    }
    status, data, _ = send_until_answered(
        client, tally, "POST", "/api/v1/health/checks", json.dumps(body).encode(), headers
    )
    if status != 200:
        tally.note(tally.rejected, f"check {status}: {data[:200]!r}")
        return
    check_id = json.loads(data)["id"]
    with tally.lock:
        tally.accepted += 1
        if tally.check_ids.get(job["key"], check_id) != check_id:
            tally.rejected["same key, two checks"] = tally.rejected.get("same key, two checks", 0) + 1
        tally.check_ids[job["key"]] = check_id


def _confirm(client: Client, tally: Tally, token: str) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, location = send_until_answered(client, tally, "POST", f"/n/{token}/", b"", headers)
    if status == 302 and "/n/" in location:
        with tally.lock:
            tally.accepted += 1
            tally.confirmed.append(token)
    else:
        tally.note(tally.rejected, f"confirm {status}")


class Reads:
    """Heavy reads beside the load, counted before and after the standby stops."""

    def __init__(self) -> None:
        self.ok = 0
        self.ok_after_standby_stopped = 0
        self.errors: dict[str, int] = {}
        self.reconnects = 0
        self.standby_stopped = False

    def run(self, url: str, path: str, token: str, done: threading.Event) -> None:
        client = Client(url)
        headers = {"Authorization": f"Bearer {token}"}
        while not done.is_set():
            try:
                status, _, _ = client.request("GET", path, b"", headers)
            except (OSError, http.client.HTTPException):
                # A kept-alive connection closed under the client: sent again on a new one, as browsers do.
                self.reconnects += 1
                continue
            if status == 200:
                self.ok += 1
                self.ok_after_standby_stopped += self.standby_stopped
            else:
                self.errors[str(status)] = self.errors.get(str(status), 0) + 1
            time.sleep(0.05)


def _inject(
    faults: list[str], progress: dict[str, int], total: int, reads: Reads, done: threading.Event, log: list[str]
) -> None:
    """Run each fault script once that share of the requests is done."""
    for at, _, command in sorted(f.partition("=") for f in faults):
        while progress["n"] < float(at) * total and not done.is_set():
            time.sleep(0.05)
        started = time.perf_counter()
        result = subprocess.run(["/bin/bash", command], capture_output=True, text=True, check=False)  # noqa: S603
        if "standby" in command:
            reads.standby_stopped = True
        line = (
            f"{progress['n']}/{total} {Path(command).stem}: exit {result.returncode} "
            f"({time.perf_counter() - started:.1f}s) {result.stdout.strip()[-300:]}"
        )
        log.append(line)
        print(f"  fault at {line}", flush=True)


def run_load(plan_path: Path, result_path: Path, url: str, threads: int, faults: list[str]) -> None:
    plan = json.loads(plan_path.read_text())
    jobs: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
    # Checks and confirmations interleaved, so every fault lands on both.
    checks, confirms = plan["checks"], plan["confirms"]
    for i in range(max(len(checks), len(confirms))):
        if i < len(checks):
            jobs.put(("check", checks[i]))
        if i < len(confirms):
            jobs.put(("confirm", confirms[i]))
    total = len(checks) + len(confirms)
    tally = Tally()
    reads = Reads()
    done = threading.Event()
    progress = {"n": 0}
    fault_log: list[str] = []

    def worker() -> None:
        client = Client(url)
        while True:
            try:
                kind, job = jobs.get_nowait()
            except queue.Empty:
                client.close()
                return
            with tally.lock:
                tally.sent += 1
            (_check if kind == "check" else _confirm)(client, tally, job)
            with tally.lock:
                progress["n"] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    extras = [
        threading.Thread(target=reads.run, args=(url, plan["read_path"], plan["reader_token"], done)),
        threading.Thread(target=_inject, args=(faults, progress, total, reads, done, fault_log)),
    ]
    for t in pool + extras:
        t.start()
    for t in pool:
        t.join()
    seconds = time.perf_counter() - started
    done.set()
    for t in extras:
        t.join()
    result = {
        "seconds": seconds,
        "sent": tally.sent,
        "accepted": tally.accepted,
        "retries": tally.retries,
        "rejected": tally.rejected,
        "transient": tally.transient,
        "check_ids": tally.check_ids,
        "confirmed": tally.confirmed,
        "reads": {
            "ok": reads.ok,
            "ok_after_standby_stopped": reads.ok_after_standby_stopped,
            "errors": sum(reads.errors.values()),
            "statuses": reads.errors,
            "reconnects": reads.reconnects,
        },
        "faults": fault_log,
    }
    result_path.write_text(json.dumps(result))
    print(
        f"load: {tally.sent} requests in {seconds:.1f}s ({tally.sent / seconds:.0f}/s), {tally.accepted} accepted, "
        f"{tally.retries} resent after a fault ({tally.transient}), rejected {tally.rejected or 0}; "
        f"heavy reads: {reads.ok} ok ({reads.ok_after_standby_stopped} after the standby stopped), "
        f"{sum(reads.errors.values())} errors {reads.errors or ''}, {reads.reconnects} reconnects"
    )


# --- verify -------------------------------------------------------------------------------------------------------


def verify(plan_path: Path, result_path: Path, wait_queue: float) -> int:
    django_setup()
    from django.db.models import Count

    from dudao.health.models import CheckKey, DailyCheck
    from dudao.notices.models import Notice, NoticeStatus, Receipt

    plan = json.loads(plan_path.read_text())
    result = json.loads(result_path.read_text())
    checks = plan["checks"]
    keys = [job["key"] for job in checks]
    stored_keys = dict(CheckKey.objects.filter(key__in=keys).values_list("key", "check_record_id"))
    lost_checks = [k for k in keys if k not in stored_keys]
    wrong_answer = [k for k, check_id in result["check_ids"].items() if stored_keys.get(k) != check_id]
    classes = {job["class_id"] for job in checks}
    duplicated = (
        DailyCheck.objects.filter(klass_id__in=classes)
        .values("klass_id", "date", "session")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    key_rows = CheckKey.objects.filter(key__in=keys).count()
    duplicated += key_rows - len(stored_keys)
    wanted = {(j["class_id"], j["date"], j["session"]) for j in checks}
    rows = {
        (k, d.isoformat(), s)
        for k, d, s in DailyCheck.objects.filter(klass_id__in=classes).values_list("klass_id", "date", "session")
    }
    lost_checks += [f"{w}" for w in wanted - rows]

    confirmed = set(
        Receipt.objects.filter(notice_id=plan["notice"], confirmed_at__isnull=False).values_list("pk", flat=True)
    )
    from dudao.notices import tokens
    from dudao.notices.models import GuardianLink

    link_ids = [(tokens.parse(t) or ("", 0))[1] for t in plan["confirms"]]
    receipt_of = dict(GuardianLink.objects.filter(pk__in=link_ids).values_list("pk", "receipt_id"))
    lost_confirms = [
        t for t, link in zip(plan["confirms"], link_ids, strict=True) if receipt_of.get(link) not in confirmed
    ]
    extra_confirms = len(confirmed) - len({receipt_of.get(link) for link in link_ids} & confirmed)

    deadline = time.time() + wait_queue
    while True:
        states = dict(
            Notice.objects.filter(pk__in=plan["queued_drafts"])
            .values("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        if not states.get(NoticeStatus.SENDING) or time.time() > deadline:
            break
        time.sleep(1)
    stuck = states.get(NoticeStatus.SENDING, 0)
    duplicate_receipts = (
        Receipt.objects.filter(notice_id__in=plan["queued_drafts"])
        .values("notice_id", "student_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    figures = {
        "requests_sent": result["sent"],
        "requests_accepted": result["accepted"],
        "resent_after_fault": result["retries"],
        "checks": len(checks),
        "checks_lost": len(lost_checks),
        "checks_duplicated": duplicated,
        "check_answers_inconsistent": len(wrong_answer),
        "confirmations": len(plan["confirms"]),
        "confirmations_lost": len(lost_confirms),
        "confirmations_unexpected": extra_confirms,
        "queued_notices": len(plan["queued_drafts"]),
        "queued_notices_stuck": stuck,
        "queued_notice_duplicate_receipts": duplicate_receipts,
        "heavy_reads_ok": result["reads"]["ok"],
        "heavy_reads_after_standby_stopped": result["reads"]["ok_after_standby_stopped"],
        "heavy_read_errors": result["reads"]["errors"],
    }
    print("RESULT " + " ".join(f"{k}={v}" for k, v in figures.items()))
    failed = (
        figures["checks_lost"]
        or figures["checks_duplicated"]
        or figures["check_answers_inconsistent"]
        or figures["confirmations_lost"]
        or figures["confirmations_unexpected"]
        or figures["heavy_read_errors"]
        or result["rejected"]
        or duplicate_receipts
        or stuck
        # The standby was stopped mid-load: reads after it must have been answered (by the primary).
        or not figures["heavy_reads_after_standby_stopped"]
    )
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("plan", type=Path)
    p.add_argument("--checks", type=int, default=1500)
    p.add_argument("--confirms", type=int, default=1500)
    p.add_argument("--queued", type=int, default=6)
    p = sub.add_parser("enqueue")
    p.add_argument("plan", type=Path)
    p = sub.add_parser("load")
    p.add_argument("plan", type=Path)
    p.add_argument("result", type=Path)
    p.add_argument("--url", required=True)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--fault", action="append", default=[], help="FRACTION=SCRIPT: run SCRIPT when that share is done")
    p = sub.add_parser("verify")
    p.add_argument("plan", type=Path)
    p.add_argument("result", type=Path)
    p.add_argument("--wait-queue", type=float, default=120)
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.plan, args.checks, args.confirms, args.queued)
    elif args.command == "enqueue":
        enqueue(args.plan)
    elif args.command == "load":
        run_load(args.plan, args.result, args.url, args.threads, args.fault)
    else:
        sys.exit(verify(args.plan, args.result, args.wait_queue))


if __name__ == "__main__":
    main()
