"""Signed public tokens: `g<link id>` for a guardian's personal link, `c<code id>` for a class QR code.

The signature (HMAC-SHA256 keyed from SECRET_KEY, salted for this use) is checked before any database
lookup, so a forged or altered token costs no query. Expiry and revocation live in the database rows.

Tokens are short (`g2x.k7m3p9x2q4r8`: the id in base 32, a dot, 60 bits of the HMAC in 12 letters and digits
that cannot be confused when typed from a printed slip: no l, o, 0 or 1, in the id as in the signature), because
an SMS is charged by its length and a parent without a QR scanner types the link by hand. 60 bits against the
per-address limit on bad tokens (DUDAO_NOTICE_BAD_TOKENS_PER_MINUTE) leaves nothing to guess. The long form of
the first links (`g1a:<43 characters>`, django.core.signing) is still accepted: nothing already sent stops working.
"""

from __future__ import annotations

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

_SIGNER = signing.Signer(salt="dudao.notices.public-link", algorithm="sha256")
_SHORT_SALT = "dudao.notices.short-link"
_TYPABLE = "abcdefghijkmnpqrstuvwxyz23456789"  # 32 symbols: five bits each
SHORT_SIGNATURE_LENGTH = 12
MAX_TOKEN_LENGTH = 100


def _short_signature(value: str) -> str:
    bits = int.from_bytes(salted_hmac(_SHORT_SALT, value, algorithm="sha256").digest()[:8], "big")
    return "".join(_TYPABLE[(bits >> (5 * i)) & 31] for i in range(SHORT_SIGNATURE_LENGTH))


def _typable(number: int) -> str:
    out = ""
    while True:
        number, rest = divmod(number, 32)
        out = _TYPABLE[rest] + out
        if number == 0:
            return out


def _short(kind: str, number: int) -> str:
    value = kind + _typable(number)
    return f"{value}.{_short_signature(value)}"


def link_token(link_id: int) -> str:
    return _short("g", link_id)


def code_token(code_id: int) -> str:
    return _short("c", code_id)


def _parse_short(token: str) -> tuple[str, int] | None:
    value, dot, signature = token.rpartition(".")
    if not dot or not constant_time_compare(signature, _short_signature(value)):
        return None
    kind, raw = value[:1], value[1:]
    if not raw or set(raw) - set(_TYPABLE):
        return None
    number = 0
    for char in raw:
        number = number * 32 + _TYPABLE.index(char)
    return kind, number


def _parse_long(token: str) -> tuple[str, int] | None:
    try:
        value = _SIGNER.unsign(token)
    except signing.BadSignature:
        return None
    raw = value[1:]
    if not raw or not (raw.isascii() and raw.isalnum()):
        return None
    return value[:1], int(raw, 36)


def parse(token: str) -> tuple[str, int] | None:
    """("g" | "c", id) for a genuine token, None for anything else."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    parsed = _parse_long(token) if ":" in token else _parse_short(token)
    if parsed is None or parsed[0] not in ("g", "c") or parsed[1] < 1:
        return None
    return parsed
