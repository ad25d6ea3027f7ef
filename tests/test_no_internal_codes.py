"""No internal codes on screen: every demo role's pages show Chinese labels, never identifiers like `case_list`,
`cases.casefile` or `day=7`.

The small demo is loaded once for the module inside a transaction that is rolled back at the end; each demo login
opens its home page, every entry of its menu and a sample of the pages those link to (one URL per shape, as
bench.pages crawls). The visible text (tags, attributes, scripts and styles stripped) is searched for lower-case
identifiers of four or more letters. Findings are grouped by the app that serves the page, so a page owned by a
parallel branch can be marked xfail on its own.
"""

from __future__ import annotations

import pprint
import re
from collections import defaultdict
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.transaction import Atomic
from django.test import Client
from django.urls import Resolver404, resolve

from dudao.accounts.models import User
from dudao.demo.loader import DEMO_LOGINS

# pytest-django builds the test database only for sessions with tests marked so.
pytestmark = pytest.mark.django_db

IDENTIFIER = re.compile(r"\b[a-z_]{4,}\b", re.ASCII)
# Addresses shown on purpose (a posting's public link, the API's base URL): copied, not read.
URL = re.compile(r"https?://\S+")
# Underscores only: the blank lines of a printable form (签字：________________).
BLANK_LINE = re.compile(r"_+")

# Reviewed allow-list: words that are on screen on purpose.
ALLOWED = {
    "http",  # an address shown for copying (public links of notices and postings, the API's base URL)
    "https",  # likewise
    "xlsx",  # file names and extensions of downloads and uploads
    "docx",
    "jpeg",  # accepted photo types named in upload hints
    "json",  # the API's format named on the token page
    "bearer",  # the API token page shows the header to send: Authorization: Bearer …
}

# Links not followed: downloads, actions, public pages and API documents.
SKIP = re.compile(
    r"(/logout|/accounts/login|/static/|/media/|^/p/|^/n/|export|download|template|\.xlsx|\.docx|\.zip|\.pdf|\.svg|"
    r"\.png|/api/|/admin/|print|/files/|slips|qr)"
)
PAGES_PER_ROLE = 90


class VisibleText(HTMLParser):
    """The text a reader sees: data outside <script>, <style> and <template>; attributes are not text."""

    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self.menu: list[str] = []
        self._hidden = 0
        self._in_menu = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        values = dict(attrs)
        if tag == "a" and (href := values.get("href")) and href.startswith("/"):
            classes = values.get("class") or ""
            (self.menu if "dropdown-item" in classes or "menu-list-link" in classes else self.links).append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(self.parts)


def shape(url: str) -> str:
    parts = urlsplit(url)
    query = sorted((k, "{v}") for k, _ in parse_qsl(parts.query) if k != "page")
    return re.sub(r"\d+", "{n}", parts.path) + "?" + urlencode(query)


def area(url: str) -> str:
    """The app that serves the page: its URL namespace ('home' for the home page)."""
    path = urlsplit(url).path
    if path == "/":
        return "home"
    try:
        return resolve(path).namespace or "other"
    except Resolver404:
        return "other"


def codes_in(text: str, usernames: set[str]) -> set[str]:
    for name in usernames:  # login names are shown on purpose (the staff list, watermarks)
        text = text.replace(name, " ")
    text = URL.sub(" ", text)
    return {token for token in IDENTIFIER.findall(text) if token not in ALLOWED and not BLANK_LINE.fullmatch(token)}


def crawl(client: Client, usernames: set[str]) -> Iterator[tuple[str, set[str]]]:
    home = client.get("/", follow=True)
    start = VisibleText()
    start.feed(home.content.decode())
    yield "/", codes_in(start.text, usernames)
    queue = list(dict.fromkeys(start.menu + start.links))
    seen_shapes = {shape("/")}
    visited = 0
    for url in queue:
        if visited >= PAGES_PER_ROLE or SKIP.search(url) or shape(url) in seen_shapes:
            continue
        seen_shapes.add(shape(url))
        response = client.get(url)
        visited += 1
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = VisibleText()
        page.feed(response.content.decode())
        yield url, codes_in(page.text, usernames)
        if url in start.menu or url in start.links:  # two clicks deep: links of the menu pages
            queue.extend(link for link in page.links if link not in queue)


@pytest.fixture(scope="module")
def findings(django_db_setup: None, django_db_blocker: object) -> dict[str, dict[str, set[str]]]:
    """{area: {"role url": codes}} over every demo login's crawl."""
    found: dict[str, dict[str, set[str]]] = defaultdict(dict)
    outer = Atomic(using=None, savepoint=True, durable=False)
    outer._from_testcase = True  # type: ignore[attr-defined]  # as TestCase's: services may open durable transactions inside it
    with django_db_blocker.unblock(), outer:  # type: ignore[attr-defined]
        call_command("demo", "--scale", "small", "--seed", "7", verbosity=0)
        usernames = set(User.objects.values_list("username", flat=True))
        for username, *_ in DEMO_LOGINS:
            client = Client()
            client.force_login(User.objects.get(username=username))
            for url, codes in crawl(client, usernames):
                found[area(url)][f"{username} {url}"] = codes
        transaction.set_rollback(True)
    return found


PARALLEL = "owned by a parallel branch"
# Areas served by apps another engineer edits in parallel (their codes are fixed there).
OWNED_ELSEWHERE: dict[str, str] = {}

AREAS = [
    "home",
    "core",
    "accounts",
    "orgs",
    "audit",
    "cases",
    "cockpit",
    "campaigns",
    "profiles",
    "briefings",
    "meetings",
    "appraisal",
    "supervision",
    "command",
    "search",
    "messaging",
    "inspections",
    "rectification",
    "directives",
    "notices",
    "health",
    "duty",
    "breakdown",
    "dashboard",
    "teachers",
    "buses",
    "gate",
    "complaints",
    "risks",
    "calendars",
    "returns",
    "canteens",
    "schoolhealth",
    "training",
    "warnings",
    "partners",
    "ethics",
    "integrity",
    "bullying",
    "guards",
    "projects",
]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=OWNED_ELSEWHERE[name]))
        if name in OWNED_ELSEWHERE
        else name
        for name in AREAS
    ],
)
def test_pages_show_no_internal_codes(findings: dict[str, dict[str, set[str]]], name: str) -> None:
    bad = {page: sorted(codes) for page, codes in findings.get(name, {}).items() if codes}
    assert not bad, pprint.pformat(bad, width=200)


def test_every_area_crawled_is_checked(findings: dict[str, dict[str, set[str]]]) -> None:
    """A page outside the areas above would go unchecked: the list must name every area the crawl reached."""
    assert set(findings) <= set(AREAS), set(findings) - set(AREAS)


def test_scanner_finds_codes_and_ignores_attributes() -> None:
    page = VisibleText()
    page.feed(
        '<p class="text_muted" data-x="case_list">操作：case_list 对象 cases.casefile #8</p><script>var a_b;</script>'
    )
    assert codes_in(page.text, set()) == {"case_list", "cases", "casefile"}
    assert codes_in("登录名 city.admin，下载 roster.xlsx", {"city.admin"}) == {"roster"}
    assert codes_in("公示链接 http://testserver/p/abc_def/ 签字：________", set()) == set()
