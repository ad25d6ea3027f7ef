"""Writes that may change a figure mark the summary stale (see `summary`).

The modules that contribute indicators cannot import the command layer (it sits above them), and a write to any
of their models may move a figure, so one receiver listens to every model save and delete and picks those of the
contributing apps (and the students and units the coverage figures count). It only queues work after the writer's
transaction commits: one conditional UPDATE, and at most one queued refresh per burst of writes. Bulk writes
(`bulk_create`, `update`) send no signal: the 10-minute refresh catches them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from dudao.command.tasks import queue_refresh
from dudao.core.indicators import registered

EXTRA_MODELS = frozenset({("orgs", "student"), ("orgs", "orgunit")})


def _relevant(sender: Any) -> bool:
    meta = getattr(sender, "_meta", None)
    if meta is None:
        return False
    if (meta.app_label, meta.model_name) in EXTRA_MODELS:
        return True
    return meta.app_label in {indicator.module for indicator in registered()}


def _on_write(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw") or not _relevant(sender):
        return

    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] is queue_refresh for entry in connection.run_on_commit):
        return  # one per transaction: a service saving a hundred rows queues one check
    transaction.on_commit(queue_refresh)


def connect() -> None:
    post_save.connect(_on_write, dispatch_uid="command.summary.save")
    post_delete.connect(_on_write, dispatch_uid="command.summary.delete")
