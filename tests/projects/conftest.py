from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from dudao.projects import services
from dudao.projects.models import Project
from tests.factories import City


def today() -> dt.date:
    return timezone.localdate()


def photo(name: str = "完工.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (90, 140, 200)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def make(city: City, estimate: str = "85000", role: str = "principal", **extra: Any) -> Project:
    data: dict[str, Any] = {
        "title": "教学楼屋面防水维修",
        "kind": "building",
        "estimate": estimate,
        "funding": "fiscal",
        "deadline": today() + dt.timedelta(days=60),
        "deadline_note": "秋季开学前投入使用",
    }
    data.update(extra)
    return services.create_project(actor=city.user(role), school=city.school_a, data=services.ProjectIn(**data))
