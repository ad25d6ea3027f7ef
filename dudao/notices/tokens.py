"""Signed public tokens: `g<link id>` for a guardian's personal link, `c<code id>` for a class QR code.

The signature (HMAC-SHA256 keyed from SECRET_KEY, salted for this use) is checked before any database
lookup, so a forged or altered token costs no query. Expiry and revocation live in the database rows.
"""

from __future__ import annotations

from django.core import signing

_SIGNER = signing.Signer(salt="dudao.notices.public-link", algorithm="sha256")
MAX_TOKEN_LENGTH = 100


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def link_token(link_id: int) -> str:
    return _SIGNER.sign(f"g{_b36(link_id)}")


def code_token(code_id: int) -> str:
    return _SIGNER.sign(f"c{_b36(code_id)}")


def parse(token: str) -> tuple[str, int] | None:
    """("g" | "c", id) for a genuine token, None for anything else."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        value = _SIGNER.unsign(token)
    except signing.BadSignature:
        return None
    kind, raw = value[:1], value[1:]
    if kind not in ("g", "c") or not raw or not raw.isalnum():
        return None
    try:
        return kind, int(raw, 36)
    except ValueError:
        return None
