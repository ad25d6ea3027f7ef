from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from dudao.partners import links, services
from dudao.partners.models import JointCampaign, Partner, PartnerTask
from tests.factories import City


def photo(name: str = "现场.png", colour: tuple[int, int, int] = (200, 120, 60)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def today() -> dt.date:
    return timezone.localdate()


def url_of(task: PartnerTask) -> str:
    return links.path_for(task.pk, task.link_key)


def send(city: City, partner: Partner, **overrides: Any) -> PartnerTask:
    data: dict[str, Any] = {
        "title": "校门口流动摊贩占道经营",
        "description": "放学时段校门口东侧有流动摊点，占用人行道。",
        "due_on": today() + dt.timedelta(days=5),
        "school": city.school_a,
    }
    actor = overrides.pop("actor", city.user("district_admin"))
    data.update(overrides)
    task, _ = services.send_task(actor=actor, partner=partner, data=services.TaskIn(**data))
    return task


@pytest.fixture
def partner(city: City) -> Partner:
    p = services.create_partner(
        actor=city.user("district_admin"),
        owner=city.district_a,
        data=services.PartnerIn(name="甲区城管执法局", kind="urban", covers=[city.school_a]),
    )
    services.add_contact(
        actor=city.user("district_admin"), partner=p, name="王建军", post="中队长", phone="13900001111"
    )
    return p


@pytest.fixture
def partner_b(city: City) -> Partner:
    """A partner of 乙区 (outside district_a)."""
    return Partner.objects.create(owner=city.district_b, name="乙区交警大队", kind="traffic")


@pytest.fixture
def task(city: City, partner: Partner) -> PartnerTask:
    return send(city, partner)


@pytest.fixture
def campaign(city: City, partner: Partner) -> JointCampaign:
    return services.create_campaign(
        actor=city.user("district_admin"),
        owner=city.district_a,
        data=services.CampaignIn(
            title="秋季校园周边综合治理",
            starts_on=today(),
            ends_on=today() + dt.timedelta(days=30),
            partners=[partner],
            schools=[city.school_a],
        ),
    )
