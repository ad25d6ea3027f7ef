"""Signed public links, checked before any query: a school's intake link (`/bullying/r/<token>/`, printed as a QR code
on the school's notice board and in the parents' group) and a guardian's status link for one report
(`/bullying/s/<token>/`). A forged or altered token finds nothing; each use has its own salt, so a school's intake
token never opens a report."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

_INTAKE = signing.Signer(salt="dudao.bullying.intake", algorithm="sha256")
_STATUS = signing.Signer(salt="dudao.bullying.status", algorithm="sha256")
MAX_TOKEN_LENGTH = 100


def _token(signer: signing.Signer, pk: int) -> str:
    return signer.sign(str(pk)).replace(":", "-")


def _parse(signer: signing.Signer, token: str) -> int | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    value, sep, signature = token.partition("-")
    if not sep or not value.isdigit():
        return None
    try:
        raw = signer.unsign(f"{value}:{signature}")
    except signing.BadSignature:
        return None
    return int(raw)


def intake_token(school_id: int) -> str:
    return _token(_INTAKE, school_id)


def parse_intake(token: str) -> int | None:
    return _parse(_INTAKE, token)


def status_token(report_id: int) -> str:
    return _token(_STATUS, report_id)


def parse_status(token: str) -> int | None:
    return _parse(_STATUS, token)


def intake_path(school_id: int) -> str:
    return reverse("bullying:intake", args=[intake_token(school_id)])


def status_path(report_id: int) -> str:
    return reverse("bullying:status", args=[status_token(report_id)])
