"""dudao.core.ratelimit: a key is refused once it used its budget in the window; other keys and the next window
are not affected."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from dudao.core import ratelimit


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_budget_per_key_and_window():
    now = timezone.now()
    with mock.patch.object(timezone, "now", return_value=now):
        assert [ratelimit.admit("t", "1.2.3.4", per=3, window=60) for _ in range(5)] == [True, True, True, False, False]
        assert ratelimit.admit("t", "5.6.7.8", per=3, window=60), "another address keeps its own budget"
        assert ratelimit.admit("other", "1.2.3.4", per=3, window=60), "another scope keeps its own budget"
    with mock.patch.object(timezone, "now", return_value=now + dt.timedelta(seconds=61)):
        assert ratelimit.admit("t", "1.2.3.4", per=3, window=60), "the next window starts again"


def test_zero_budget_refuses_everything():
    assert not ratelimit.admit("t", "1.2.3.4", per=0, window=60)
    assert not ratelimit.admit("t", "1.2.3.4", per=0, window=60)
