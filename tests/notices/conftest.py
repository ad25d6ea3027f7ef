from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dudao.notices import services, tokens
from dudao.notices.models import GuardianLink, Notice, Receipt
from dudao.orgs.models import Guardian, Student
from tests.factories import City


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def make_notice(city: City) -> Callable[..., Notice]:
    def make(issuer: Any = None, actor: Any = None, send: bool = True, **extra: Any) -> Notice:
        issuer = issuer or city.school_a
        actor = actor or city.user("principal")
        extra.setdefault("title", "致家长的一封信")
        extra.setdefault("body", "各位家长：\n\n请加强暑期安全教育。")
        notice = services.create_notice(actor=actor, issuer=issuer, **extra)
        if send:
            services.send_notice(actor=actor, notice=notice)
            notice.refresh_from_db()
        return notice

    return make


def token_of(link: GuardianLink) -> str:
    return tokens.link_token(link.pk)


def first_link(notice: Notice, klass: Any) -> GuardianLink:
    link = GuardianLink.objects.filter(receipt__notice=notice, receipt__klass=klass).order_by("id").first()
    assert link is not None, "the notice has no link in this class"
    return link


def first_receipt(notice: Notice, klass: Any) -> Receipt:
    receipt = Receipt.objects.filter(notice=notice, klass=klass).first()
    assert receipt is not None, "the notice has no receipt in this class"
    return receipt


def first_guardian(student: Student) -> Guardian:
    guardian = student.guardians.first()
    assert guardian is not None, "the student has no guardian"
    return guardian
