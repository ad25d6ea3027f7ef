"""The cockpit figures: canteens without 留样 on a day, expired health certificates; bulk, not one query per unit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.canteens import indicators
from dudao.canteens.models import Canteen, CanteenWorker
from tests.canteens.conftest import sample, today

pytestmark = pytest.mark.django_db


def test_canteens_without_sample_counted_per_unit(city, canteen, canteen_b):
    Canteen.objects.create(school=city.school_a2, name="学生食堂")
    sample(city, canteen)
    units = [city.root, city.district_a, city.district_b, city.school_a, city.school_a2]
    with CaptureQueriesContext(connection) as queries:
        values = indicators.no_sample(units, today(), today(), user=city.user("bureau_staff"))
    assert len(queries) == 1
    assert {u.pk: values[u.pk].value for u in units} == {
        city.root.pk: 2,
        city.district_a.pk: 1,
        city.district_b.pk: 1,
        city.school_a.pk: 0,
        city.school_a2.pk: 1,
    }
    drill = indicators.no_sample_rows(city.district_a, today(), today(), user=city.user("district_admin"))
    assert [c.school_id for c in drill.rows] == [city.school_a2.pk]


def test_expired_certificates_counted(city, canteen, canteen_b, workers):
    CanteenWorker.objects.create(canteen=canteen_b, name="钱", certificate_expires_on=today() - dt.timedelta(days=1))
    CanteenWorker.objects.create(
        canteen=canteen_b, name="孙", certificate_expires_on=today() - dt.timedelta(days=1), is_active=False
    )
    units = [city.root, city.district_a, city.district_b]
    values = indicators.expired_certificates(units, today(), today(), user=city.user("bureau_staff"))
    assert [values[u.pk].value for u in units] == [2, 1, 1]
