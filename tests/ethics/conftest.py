from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.accounts.models import User
from dudao.ethics import services
from dudao.ethics.models import Commitment, Incident
from tests.factories import City, UserFactory, assign


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def colleague(city: City) -> User:
    """Another class teacher of 五中 (a colleague of the class teacher an incident is about)."""
    user = UserFactory.create(username="colleague", full_name="李老师", unit=city.class_a2)
    assign(user, "class_teacher", city.class_a2)
    return user


def register(city: City, **overrides: Any) -> Incident:
    args: dict[str, Any] = {
        "actor": city.user("principal"),
        "teacher": city.user("class_teacher"),
        "data": services.IncidentIn(
            source="complaint",
            category="paid_tutoring",
            reported_on=today(),
            facts="家长反映该教师暑期在校外组织有偿补课，每生收费 1800 元。",
            source_ref="TS0001",
        ),
    }
    args.update(overrides)
    incident, _ = services.register_incident(**args)
    return incident


@pytest.fixture
def incident(city: City) -> Incident:
    return register(city)


def walk_to_decided(city: City, incident: Incident) -> Incident:
    incident = services.record_investigation(
        actor=city.user("principal"),
        incident=incident,
        investigation="约谈本人及家长，属实。",
        version=incident.version,
    )
    return services.decide(
        actor=city.user("district_admin"),
        incident=incident,
        finding="substantiated",
        found_on=today(),
        version=incident.version,
    )


def veto_incident(city: City, incident: Incident) -> Incident:
    incident = walk_to_decided(city, incident)
    return services.impose_measure(
        actor=city.user("district_admin"),
        incident=incident,
        data=services.MeasureIn(measure="no_honours", body="甲区教育局", decided_on=today(), is_veto=True),
        version=incident.version,
    )


@pytest.fixture
def commitment(city: City) -> Commitment:
    return services.publish_commitment(
        actor=city.user("bureau_staff"),
        unit=city.root,
        data=services.CommitmentIn(year=today().year, title=f"{today().year} 年度师德承诺书", text="我承诺……"),
    )
