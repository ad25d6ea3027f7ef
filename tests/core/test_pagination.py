from __future__ import annotations

import pytest

from dudao.core.pagination import MAX_PAGE_SIZE, paginate
from dudao.orgs.models import Student
from tests.factories import City

pytestmark = pytest.mark.django_db


def test_pages_keep_the_querysets_order_and_count(city: City) -> None:
    qs = Student.objects.order_by("-name", "-id")
    expected = list(qs)
    first = paginate(qs, page=1, page_size=3)
    second = paginate(qs, page=2, page_size=3)
    assert first.count == len(expected) and first.num_pages == 3
    assert first.items + second.items == expected[:6]
    assert first.has_next and not first.has_previous


def test_page_beyond_the_end_is_empty_and_bad_numbers_are_clamped(city: City) -> None:
    qs = Student.objects.order_by("id")
    assert paginate(qs, page=99, page_size=50).items == []
    clamped = paginate(qs, page="x", page_size=10_000)
    assert clamped.page == 1 and clamped.page_size == MAX_PAGE_SIZE
