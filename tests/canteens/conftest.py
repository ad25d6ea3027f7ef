from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from dudao.canteens import services
from dudao.canteens.models import Canteen, CanteenWorker, Meal
from tests.factories import City


def photo(name: str = "留样.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 120, 60)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def today() -> dt.date:
    return timezone.localdate()


def lunch_time() -> dt.datetime:
    """A sample time today that is never in the future: 11:30, or now if earlier in the day."""
    now = timezone.localtime()
    return min(now, now.replace(hour=11, minute=30, second=0, microsecond=0))


DISHES = [services.DishIn("红烧肉", 150), services.DishIn("番茄炒蛋", 125)]


def sample(city: City, canteen: Canteen, **overrides: Any) -> tuple[Any, bool]:
    args: dict[str, Any] = {
        "actor": city.user("principal"),
        "canteen": canteen,
        "served_on": today(),
        "meal": Meal.LUNCH,
        "dishes": DISHES,
        "sampled_at": lunch_time(),
        "sampled_by": "张秀英",
        "photo": photo(),
    }
    args.update(overrides)
    return services.record_sample(**args)


@pytest.fixture
def canteen(city: City) -> Canteen:
    return services.create_canteen(
        actor=city.user("principal"),
        school=city.school_a,
        data=services.CanteenIn(
            name="学生食堂",
            licence_number="JY33301020012345",
            licence_expires_on=today() + dt.timedelta(days=400),
            open_kitchen="full",
            open_kitchen_checked_on=today() - dt.timedelta(days=10),
            serves_breakfast=True,
        ),
    )


@pytest.fixture
def canteen_b(city: City) -> Canteen:
    """A canteen of 乙区第一小学 (outside district_a)."""
    return Canteen.objects.create(school=city.school_b, name="学生食堂")


@pytest.fixture
def workers(city: City, canteen: Canteen) -> dict[str, CanteenWorker]:
    def add(name: str, days: int) -> CanteenWorker:
        return services.add_worker(
            actor=city.user("principal"),
            canteen=canteen,
            data=services.WorkerIn(name=name, post="厨师", certificate_expires_on=today() + dt.timedelta(days=days)),
        )

    return {"valid": add("王建华", 200), "soon": add("李玉梅", 10), "expired": add("赵国强", -3)}
