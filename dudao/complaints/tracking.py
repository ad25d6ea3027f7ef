"""The complainant's private tracking link: `/complaints/track/<token>/`, the item's id signed with the secret key
(checked before any query; a forged or altered token finds nothing). The office can show the same link again to a
caller who lost it."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

_SIGNER = signing.Signer(salt="dudao.complaints.track")


def token_for(pk: int) -> str:
    return _SIGNER.sign(str(pk)).replace(":", "-")


def parse(token: str) -> int | None:
    if not token or len(token) > 80:
        return None
    # The signed value is the id (digits only): the signature, which may itself contain "-", follows the first one.
    value, sep, signature = token.partition("-")
    if not sep:
        return None
    try:
        raw = _SIGNER.unsign(f"{value}:{signature}")
    except signing.BadSignature:
        return None
    return int(raw) if raw.isdigit() else None


def path_for(pk: int) -> str:
    return reverse("complaints:track", args=[token_for(pk)])
