"""发文字号: a configurable prefix, the year in hexagonal brackets and a yearly sequence (临教督〔2026〕12号).

A number is allocated inside the transaction that publishes the document, so a refused publication gives its number
back. Two guarantees keep numbers unique under concurrency: the counter row of (prefix, year) is incremented with
one UPDATE, which holds its row lock until the publishing transaction ends (PostgreSQL) or takes the database's
write lock (SQLite); and every number given out is a row of `IssuedNumber`, unique per (prefix, year, number) by a
database constraint. A clash (two first numbers of a new year created at once) is retried a few times.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import F

from dudao.core.errors import DomainError
from dudao.core.models import DocumentSequence, IssuedNumber

ATTEMPTS = 5
# Letters of a prefix: Chinese characters, Latin letters and digits (临教督, 临教办字, JYJ).
PREFIX = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]{1,20}$")


def check_prefix(prefix: str) -> str:
    """The prefix stripped, or a refusal saying what a prefix may hold."""
    prefix = prefix.strip()
    if not PREFIX.match(prefix) or "号" in prefix:
        raise DomainError(
            "发文字号前缀须为 1 到 20 个汉字、字母或数字，不含括号和“号”字，例如“临教督”", code="invalid_prefix"
        )
    return prefix


def format_number(prefix: str, year: int, number: int) -> str:
    """临教督〔2026〕12号: hexagonal brackets, no leading zeros (GB/T 9704-2012 7.2.3)."""
    return f"{prefix}〔{year}〕{number}号"


def allocate(*, prefix: str, year: int, object_type: str, object_id: object) -> IssuedNumber:
    """The next number of (prefix, year), recorded as given to the object. Call inside the publishing transaction."""
    prefix = check_prefix(prefix)
    if not 2000 <= year <= 2999:
        raise DomainError(f"年份（{year}）不正确", code="invalid_year")
    for _ in range(ATTEMPTS):
        try:
            with transaction.atomic():
                if not DocumentSequence.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1):
                    DocumentSequence.objects.create(prefix=prefix, year=year, last=1)
                number = DocumentSequence.objects.values_list("last", flat=True).get(prefix=prefix, year=year)
                taken = set(
                    IssuedNumber.objects.filter(prefix=prefix, year=year, number__gte=number).values_list(
                        "number", flat=True
                    )
                )
                if number in taken:
                    # Numbers given by hand (a paper document entered later): move the counter past them.
                    while number in taken:
                        number += 1
                    DocumentSequence.objects.filter(prefix=prefix, year=year).update(last=number)
                return IssuedNumber.objects.create(
                    prefix=prefix, year=year, number=number, object_type=object_type, object_id=str(object_id)
                )
        except IntegrityError:
            # Another publication created the year's first counter at the same moment: its row exists now.
            continue
    raise DomainError("发文字号分配冲突，请稍后重试", code="number_clash", status=409)


def number_of(object_type: str, object_id: object) -> IssuedNumber | None:
    """The number given to an object, if any."""
    return IssuedNumber.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("-id").first()
