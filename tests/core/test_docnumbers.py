"""发文字号: yearly sequences per prefix, never the same number twice, even under concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction

from dudao.core.docnumbers import allocate, check_prefix, format_number, number_of
from dudao.core.errors import DomainError
from dudao.core.models import DocumentSequence, IssuedNumber


@pytest.mark.django_db
def test_numbers_follow_each_other_per_prefix_and_year():
    got = [allocate(prefix="临教督", year=2026, object_type="t", object_id=i).number for i in range(3)]
    assert got == [1, 2, 3]
    assert allocate(prefix="临教办", year=2026, object_type="t", object_id=9).number == 1
    assert allocate(prefix="临教督", year=2027, object_type="t", object_id=9).number == 1
    assert number_of("t", 2) is not None and str(number_of("t", 2)) == "临教督〔2026〕3号"


def test_the_number_is_written_with_hexagonal_brackets_and_no_leading_zeros():
    assert format_number("临教督", 2026, 12) == "临教督〔2026〕12号"


@pytest.mark.django_db
def test_the_database_refuses_a_number_given_twice():
    IssuedNumber.objects.create(prefix="临教督", year=2026, number=5, object_type="t", object_id="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        IssuedNumber.objects.create(prefix="临教督", year=2026, number=5, object_type="t", object_id="2")


@pytest.mark.django_db
def test_the_database_refuses_a_second_counter_for_the_same_prefix_and_year():
    DocumentSequence.objects.create(prefix="临教督", year=2026, last=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentSequence.objects.create(prefix="临教督", year=2026, last=0)


@pytest.mark.django_db
def test_a_number_taken_by_hand_is_skipped():
    allocate(prefix="临教督", year=2026, object_type="t", object_id=1)
    IssuedNumber.objects.create(prefix="临教督", year=2026, number=2, object_type="manual", object_id="x")
    assert allocate(prefix="临教督", year=2026, object_type="t", object_id=2).number == 3


@pytest.mark.parametrize("prefix", ["", "  ", "临教督〔", "临教督号 ", "临/教", "字" * 21])
def test_a_bad_prefix_is_refused(prefix):
    with pytest.raises(DomainError, match="发文字号前缀"):
        check_prefix(prefix)


@pytest.mark.django_db
def test_a_bad_year_is_refused_and_nothing_is_counted():
    with pytest.raises(DomainError, match="年份"):
        allocate(prefix="临教督", year=26, object_type="t", object_id=1)
    assert not DocumentSequence.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_publications_never_share_a_number():
    """Eight publications at once, each in its own transaction that holds on a moment after taking its number."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers with one database lock; the race needs PostgreSQL (make test-pg)")
    numbers: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def publish(i: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                issued = allocate(prefix="临教督", year=2026, object_type="t", object_id=i)
                numbers.append(issued.number)
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(numbers) == list(range(1, 9))
    assert DocumentSequence.objects.get().last == 8
