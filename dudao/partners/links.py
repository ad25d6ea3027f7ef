"""The partner's task link: `/xt/<task id>-<key>-<signature>/`, no account needed.

The signature (HMAC-SHA256 keyed from SECRET_KEY, salted for this use) is checked before any query, so a forged or
altered link costs nothing. The key is stored on the task: resending a task draws a new key (every earlier link
dies), revoking it marks the task so the link answers 404 like any dead link."""

from __future__ import annotations

from django.urls import reverse
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac

_SALT = "dudao.partners.task-link"
_KEY_CHARS = "abcdefghijkmnpqrstuvwxyz23456789"
KEY_LENGTH = 10
SIGNATURE_LENGTH = 20
MAX_TOKEN_LENGTH = 60


def new_key() -> str:
    return get_random_string(KEY_LENGTH, _KEY_CHARS)


def _signature(value: str) -> str:
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()[:SIGNATURE_LENGTH]


def token_for(task_id: int, key: str) -> str:
    value = f"{task_id}-{key}"
    return f"{value}-{_signature(value)}"


def parse(token: str) -> tuple[int, str] | None:
    """(task id, key) of a genuine token; None for anything else."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    value, dash, signature = token.rpartition("-")
    if not dash or not constant_time_compare(signature, _signature(value)):
        return None
    raw_id, _, key = value.partition("-")
    if not raw_id.isdigit() or len(key) != KEY_LENGTH:
        return None
    return int(raw_id), key


def path_for(task_id: int, key: str) -> str:
    return reverse("partners:public", args=[token_for(task_id, key)])
