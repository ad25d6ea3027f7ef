"""Signed public links: `a<round>-<student>` for a parent's screening answer, `s<suspension>` for the 停课不停学
page shown to a class's parents. The signature (HMAC-SHA256 keyed from SECRET_KEY, salted for this use) is checked
before any database lookup, so a forged or altered token costs no query."""

from __future__ import annotations

from django.core import signing

_SIGNER = signing.Signer(salt="dudao.returns.public-link", algorithm="sha256")
MAX_TOKEN_LENGTH = 100


def answer_token(round_id: int, student_id: int) -> str:
    return _SIGNER.sign(f"a{round_id}-{student_id}")


def suspension_token(suspension_id: int) -> str:
    return _SIGNER.sign(f"s{suspension_id}")


def _unsign(token: str) -> str | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        return _SIGNER.unsign(token)
    except signing.BadSignature:
        return None


def parse_answer(token: str) -> tuple[int, int] | None:
    """(round id, student id) for a genuine answer token, None for anything else."""
    value = _unsign(token)
    if value is None or not value.startswith("a"):
        return None
    round_id, dash, student_id = value[1:].partition("-")
    if not dash or not round_id.isdigit() or not student_id.isdigit():
        return None
    return int(round_id), int(student_id)


def parse_suspension(token: str) -> int | None:
    value = _unsign(token)
    if value is None or not value.startswith("s") or not value[1:].isdigit():
        return None
    return int(value[1:])
