"""The app process's garbage-collector set-up (dudao.core.gc_tuning): installed by dudao/wsgi.py."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.core.signals import request_finished

from dudao.core import gc_tuning


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    request_finished.disconnect(dispatch_uid="dudao.core.gc_tuning")
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_install_freezes_the_start_up_heap_and_raises_the_young_threshold(restored_gc: None) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    gc_tuning.install()
    assert gc.get_threshold() == gc_tuning.THRESHOLDS
    assert gc.get_freeze_count() > 10_000  # Django and the project's modules


def test_the_process_freezes_again_after_its_first_requests(restored_gc: None, monkeypatch: pytest.MonkeyPatch) -> None:
    gc_tuning.install()
    monkeypatch.setattr(gc_tuning, "_served", 0)
    frozen = []
    monkeypatch.setattr(gc_tuning, "freeze", lambda: frozen.append(gc_tuning.served()))
    assert any(key[0] == "dudao.core.gc_tuning" for key, *_ in request_finished.receivers)
    for _ in range(250):
        gc_tuning._after_request()  # what request_finished calls after each response
    assert frozen == [20, 200]


def test_the_wsgi_entry_point_installs_it() -> None:
    code = "import gc, dudao.wsgi; print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"
    env_code = "import os; os.environ.setdefault('DJANGO_SECRET_KEY', 'x' * 60); os.environ['DUDAO_DEBUG'] = '1'; "
    done = subprocess.run(
        [sys.executable, "-c", env_code + code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == [str(gc_tuning.THRESHOLDS[0]), "True"]
