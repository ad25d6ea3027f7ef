from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from django.core.files.storage import default_storage
from python_calamine import CalamineWorkbook

from dudao.exports.models import ExportJob

T = TypeVar("T")


@pytest.fixture(autouse=True)
def _jobs_above_two_rows(settings: Any) -> None:
    """The test city is small: anything above two rows goes to the background."""
    settings.DUDAO_EXPORT_SYNC_LIMIT = 2


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks: Any) -> Callable[[Callable[[], T]], T]:
    """`run_jobs(start)`: call `start` and run the jobs it queues when its transaction commits (huey is immediate
    in tests)."""

    def run(start: Callable[[], T]) -> T:
        with django_capture_on_commit_callbacks(execute=True):
            return start()

    return run


def sheet_rows(job: ExportJob) -> list[list[Any]]:
    with default_storage.open(job.storage_name, "rb") as handle:
        book = CalamineWorkbook.from_filelike(io.BytesIO(handle.read()))
    return book.get_sheet_by_index(0).to_python()
