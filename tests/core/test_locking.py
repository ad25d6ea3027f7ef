"""`locked` and `bump`: the optimistic locking every editable record shares."""

from __future__ import annotations

import pytest

from dudao.core.errors import StaleEditError
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit
from tests.factories import City


def test_locked_rereads_the_row_when_the_version_is_current(city: City) -> None:
    OrgUnit.objects.filter(pk=city.school_a.pk).update(name="新五中")
    fresh = locked(OrgUnit.objects, city.school_a.pk, city.school_a.version)
    assert fresh.name == "新五中"


def test_locked_refuses_a_stale_version_with_409(city: City) -> None:
    with pytest.raises(StaleEditError) as caught:
        locked(OrgUnit.objects, city.school_a.pk, city.school_a.version + 1)
    assert caught.value.status == 409


def test_locked_without_a_version_does_not_check(city: City) -> None:
    assert locked(OrgUnit.objects.all(), city.school_a.pk, None).pk == city.school_a.pk


def test_bump_saves_only_the_named_fields_with_the_next_version(city: City) -> None:
    unit = OrgUnit.objects.get(pk=city.school_a.pk)
    unit.name, unit.short_name = "新五中", "新"
    bump(unit, ["name"])
    stored = OrgUnit.objects.get(pk=unit.pk)
    assert (stored.name, stored.short_name, stored.version) == ("新五中", city.school_a.short_name, unit.version)
    assert unit.version == city.school_a.version + 1
