from __future__ import annotations

import pytest

from dudao.orgs.models import Student
from tests.factories import City, student


@pytest.fixture
def zhang_san(city: City) -> Student:
    """张三 in 五中's class 七年级（1）班 (district 甲区)."""
    return student(city.class_a1, name="张三")


@pytest.fixture
def zhang_si_b(city: City) -> Student:
    """张思 in 乙区第一小学: outside 甲区 and 五中."""
    return student(city.class_b1, name="张思")


from tests.notices.conftest import make_notice  # noqa: E402, F401  (the notices' fixture, shared)
