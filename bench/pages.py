"""pages_worst_warm_p95_ms: every page a demo role reaches from its menu and home page, at city scale.

Crawl: for each demo login, the home page, every menu entry and every link on those pages (two clicks deep),
one URL per shape (digits in the path and query values other than `page` stand for any value), plus the last
page of every paged list; then every GET list of the API (`/api/v1/openapi.json`, paths without parameters).
Each URL is requested once cold and `--warm` times warm; the slowest ten by warm p95 are printed with p50.

Value: the worst warm p95 in ms over all roles and URLs. Baseline: the target, 300 ms. Ratio: value / 300
(target ≤ 1). Run it on an otherwise idle machine and read the load average it prints.

    python -m bench.pages [--warm 4] [--roles city.director,district.admin] [--max-urls 80]

Needs the city demo (bench/.data/city.sqlite3, as bench.scoping loads it); with DATABASE_URL the configured
database is used.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

from bench import common

TARGET_MS = 300.0
SKIP = re.compile(
    r"(/logout|/accounts/|/static/|/media/|^/p/|^/n/|export|download|template\.xlsx|\.xlsx|\.docx|\.zip|\.pdf|"
    r"/api/v1/docs|/admin/|print)"
)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        for name, value in attrs:
            if name == "href" and value and value.startswith("/"):
                self.hrefs.append(value)


def shape(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"\d+", "{n}", parts.path)
    query = sorted((k, v if k == "page" else "{v}") for k, v in parse_qsl(parts.query))
    return f"{path}?{urlencode(query)}"


@dataclass
class Timing:
    role: str
    url: str
    status: int
    cold: float
    warm: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return common.median(self.warm)

    @property
    def p95(self) -> float:
        ordered = sorted(self.warm)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed_get(client: object, url: str) -> tuple[int, float, bytes]:
    started = time.perf_counter()
    response = client.get(url)  # type: ignore[attr-defined]
    elapsed = (time.perf_counter() - started) * 1000
    body = response.content if response.get("Content-Type", "").startswith("text/html") else b""
    return response.status_code, elapsed, body


def links_of(body: bytes) -> list[str]:
    parser = Links()
    parser.feed(body.decode("utf-8", "replace"))
    return [h.split("#", 1)[0] for h in parser.hrefs if h.split("#", 1)[0] and not SKIP.search(h)]


def last_page(url: str, hrefs: list[str]) -> str | None:
    """The last page of a paged list, from its pager links."""
    path = urlsplit(url).path
    pages = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.path in ("", path):
            query = dict(parse_qsl(parts.query))
            if query.get("page", "").isdigit():
                pages.append((int(query["page"]), href))
    if not pages:
        return None
    number, href = max(pages)
    return href if number > 1 else None


def api_lists() -> list[str]:
    from django.test import Client

    spec = json.loads(Client().get("/api/v1/openapi.json").content)
    return sorted(
        f"/api/v1{path}" if not path.startswith("/api/v1") else path
        for path, methods in spec["paths"].items()
        if "get" in methods and "{" not in path and not SKIP.search(path)
    )


def crawl(username: str, warm: int, max_urls: int, apis: list[str]) -> list[Timing]:
    from django.test import Client

    from dudao.accounts.models import User

    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    seen: set[str] = set()
    queue: deque[tuple[str, int]] = deque([("/", 0)])
    timings: list[Timing] = []
    while queue and len(timings) < max_urls:
        url, depth = queue.popleft()
        key = shape(url)
        if key in seen:
            continue
        seen.add(key)
        status, cold, body = timed_get(client, url)
        timing = Timing(username, url, status, cold)
        if status == 200:
            for _ in range(warm):
                timing.warm.append(timed_get(client, url)[1])
        timings.append(timing)
        if status != 200 or not body:
            continue
        hrefs = links_of(body)
        end = last_page(url, hrefs)
        if end and shape(end) not in seen:
            queue.appendleft((end, depth))
        if depth < 2:
            queue.extend((href, depth + 1) for href in hrefs if shape(href) not in seen)
    for url in apis:
        status, cold, _ = timed_get(client, url)
        timing = Timing(username, url, status, cold)
        if status == 200:
            timing.warm = [timed_get(client, url)[1] for _ in range(warm)]
        timings.append(timing)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=4)
    parser.add_argument("--roles", default="", help="comma-separated demo logins (default: every work role)")
    parser.add_argument("--max-urls", type=int, default=80, help="pages per role, API lists not counted")
    args = parser.parse_args()

    common.configure("city")
    from django.conf import settings

    from bench.scoping import ensure_city
    from dudao.demo.loader import DEMO_LOGINS

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    logging.getLogger("django.request").setLevel(logging.ERROR)  # refusals are expected: 403 is a cell
    ensure_city()
    # The indicator summary as production keeps it (huey refreshes it every 10 minutes): the leaders' home pages
    # read it while it is younger than DUDAO_SUMMARY_MAX_AGE_MINUTES, else they compute every figure live.
    from dudao.command import summary

    summary.refresh()
    from django.core.management import call_command

    # Production static storage (hashed names from the manifest), as gunicorn serves the pages.
    call_command("collectstatic", interactive=False, verbosity=0)
    # The garbage-collector set-up of every gunicorn worker (dudao/wsgi.py): this process serves the pages as one.
    from dudao.core.gc_tuning import install

    install()
    roles = [r for r in args.roles.split(",") if r] or [login[0] for login in DEMO_LOGINS]
    apis = api_lists()
    common.log(f"load average before: {os.getloadavg()[0]:.2f}; {len(roles)} roles, {len(apis)} API lists")
    timings: list[Timing] = []
    from dudao.accounts.models import User

    missing = [r for r in roles if not User.objects.filter(username=r).exists()]
    if missing:
        common.log(f"not in this database (loaded by an older demo?): {', '.join(missing)}")
    for role in roles:
        if role in missing:
            continue
        found = crawl(role, args.warm, args.max_urls, apis)
        ok = [t for t in found if t.status == 200]
        errors = [t for t in found if t.status >= 500]
        worst = max(ok, key=lambda t: t.p95, default=None)
        common.log(
            f"{role}: {len(found)} URLs, {len(ok)} answered 200, {len(errors)} server errors"
            + (f"; slowest {worst.url} p95 {worst.p95:.0f} ms" if worst else "")
        )
        for t in errors:
            common.log(f"  SERVER ERROR {t.status} {t.url}")
        timings.extend(found)
    ok = sorted((t for t in timings if t.status == 200), key=lambda t: t.p95, reverse=True)
    print(f"\n{'p95 ms':>8} {'p50 ms':>8} {'cold ms':>8}  role / URL")
    for t in ok[:10]:
        print(f"{t.p95:8.0f} {t.p50:8.0f} {t.cold:8.0f}  {t.role} {t.url}")
    print(f"\n{'cold ms':>8}  slowest first visits (target ≤ 1000 ms)")
    for t in sorted(ok, key=lambda t: t.cold, reverse=True)[:5]:
        print(f"{t.cold:8.0f}  {t.role} {t.url}")
    worst_cold = max((t.cold for t in ok), default=0.0)
    common.log(f"{len(ok)} URLs answered; worst cold {worst_cold:.0f} ms; load average after: {os.getloadavg()[0]:.2f}")
    worst = ok[0].p95 if ok else 0.0
    common.result("pages_worst_warm_p95_ms", worst, "ms", TARGET_MS, worst / TARGET_MS)


if __name__ == "__main__":
    main()
