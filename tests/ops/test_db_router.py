"""core.db_router: heavy reads on the replica only inside read_replica(), never after this request wrote, and on
the primary when the replica fails. The replica here is a second SQLite file copied from the primary: a snapshot
that falls behind as soon as the primary changes, like a lagging standby."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.db import connections
from django.db.utils import load_backend
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from dudao.accounts.models import User
from dudao.core import db_router
from dudao.core.availability import PrimaryPinMiddleware
from dudao.core.db_router import pinned_scope, read_replica
from tests.factories import build_city

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The replica alias is configured per test; Django warns that DATABASES changed under it.
    pytest.mark.filterwarnings("ignore:Overriding setting DATABASES"),
]


def _live() -> Any:
    """The handler's per-thread store of open connections."""
    return connections._connections  # type: ignore[attr-defined]


on_sqlite = pytest.mark.skipif(
    connections["default"].vendor != "sqlite",
    reason="the lagging replica is a copied SQLite file; on PostgreSQL scripts/prod-drill.sh streams to a standby",
)


def _attach(settings: LazySettings, name: str, **changes: str) -> None:
    """Configure the replica alias. Its connection is made by hand rather than through `connections.settings`:
    Django's test case refuses connections to configured aliases it was not told about, not to made ones."""
    config = {**connections.settings["default"], "NAME": name, **changes}
    settings.DATABASES = {**settings.DATABASES, db_router.REPLICA: config}
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, db_router.REPLICA)
    setattr(_live(), db_router.REPLICA, wrapper)


def _detach() -> None:
    connections[db_router.REPLICA].close()
    delattr(_live(), db_router.REPLICA)
    db_router.health.reset()


@pytest.fixture
def replica(settings: LazySettings, tmp_path: Path) -> Iterator[Callable[[], None]]:
    """Attach a replica; calling the fixture's value copies the primary into it (the standby catches up)."""
    path = tmp_path / "replica.sqlite3"

    def catch_up() -> None:
        if hasattr(_live(), db_router.REPLICA):
            connections[db_router.REPLICA].close()
        target = sqlite3.connect(path)
        connections["default"].ensure_connection()
        connections["default"].connection.backup(target)
        target.close()

    catch_up()
    _attach(settings, str(path))
    db_router.health.reset()
    yield catch_up
    _detach()


@read_replica
def count_users() -> int:
    return User.objects.count()


def _add_user(name: str) -> None:
    User.objects.create(username=name)


def test_without_a_replica_everything_reads_the_primary(db: None) -> None:
    with pinned_scope(False), read_replica():
        assert db_router.reading_alias() == "default"


@on_sqlite
def test_marked_reads_go_to_the_replica_and_others_to_the_primary(replica: Callable[[], None]) -> None:
    build_city()
    replica()
    with pinned_scope(False):
        lagging = count_users()
        _add_user("new.clerk")
    with pinned_scope(False):
        assert count_users() == lagging  # the replica has not caught up
        assert User.objects.count() == lagging + 1  # unmarked reads: the primary
        with read_replica():
            assert User.objects.count() == lagging


@on_sqlite
def test_a_request_that_wrote_reads_its_own_writes(replica: Callable[[], None]) -> None:
    build_city()
    replica()
    with pinned_scope(False):
        before = count_users()
        _add_user("just.saved")
        assert count_users() == before + 1


@on_sqlite
def test_reads_inside_a_transaction_stay_on_the_primary(replica: Callable[[], None]) -> None:
    from django.db import transaction

    with pinned_scope(False), transaction.atomic(), read_replica():
        assert db_router.reading_alias() == "default"


def test_a_failing_replica_falls_back_to_the_primary_without_an_error(
    settings: LazySettings, tmp_path: Path, db: None
) -> None:
    build_city()
    if connections["default"].vendor == "sqlite":
        _attach(settings, str(tmp_path / "no-such-folder" / "replica.sqlite3"))
    else:
        # Nothing listens on port 1: the connection is refused at once.
        _attach(settings, "dudao", HOST="127.0.0.1", PORT="1")
    db_router.health.reset()
    try:
        with pinned_scope(False):
            assert count_users() == User.objects.count()
            assert db_router.health.fallbacks == 1
            assert db_router.replica_status() == "down"
            with read_replica():
                assert db_router.reading_alias() == "default"
    finally:
        _detach()


@on_sqlite
def test_the_middleware_pins_a_browser_that_wrote(replica: Callable[[], None]) -> None:
    seen: list[bool] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(db_router.is_pinned())
        return HttpResponse("ok")

    middleware = PrimaryPinMiddleware(view)
    factory = RequestFactory()
    quiet = middleware(factory.get("/"))
    assert db_router.PIN_COOKIE not in quiet.cookies
    posted = middleware(factory.post("/"))
    cookie = posted.cookies[db_router.PIN_COOKIE]
    assert cookie["max-age"] == 10
    follow_up = factory.get("/")
    follow_up.COOKIES[db_router.PIN_COOKIE] = cookie.value
    middleware(follow_up)
    stale = factory.get("/")
    stale.COOKIES[db_router.PIN_COOKIE] = "1"
    middleware(stale)
    assert seen == [False, True, True, False]


@on_sqlite
def test_the_command_layer_reads_the_replica(replica: Callable[[], None]) -> None:
    """The cockpit, the indicator figures, a school's page and a briefing's figures are heavy reads: replica."""
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dudao.briefings import figures as briefing_figures
    from dudao.cockpit import selectors as cockpit_selectors
    from dudao.command import selectors as command_selectors
    from dudao.profiles import selectors as profile_selectors

    city = build_city()
    replica()
    director = city.user("bureau_leader")
    principal_school = city.school_a
    today = timezone.localdate()
    indicator = command_selectors.catalogue(director)[0]
    calls: dict[str, Callable[[], object]] = {
        "cockpit": lambda: cockpit_selectors.cockpit(director, city.root),
        "figures": lambda: command_selectors.figures(director, [city.district_a], today, today),
        "breakdown": lambda: command_selectors.breakdown(director, indicator, city.root, today, today),
        "profile": lambda: profile_selectors.profile(director, principal_school),
        "briefing": lambda: briefing_figures.compute(
            user=director,
            scope=briefing_figures.scope_of(city.root, None),
            start=today - dt.timedelta(days=6),
            end=today,
            previous=None,
        ),
    }
    for name, call in calls.items():
        with pinned_scope(False), CaptureQueriesContext(connections[db_router.REPLICA]) as on_replica:
            call()
        assert len(on_replica.captured_queries) > 0, f"{name} read nothing from the replica"
