"""Pages: entering a warning with the area picker, adjusting, dispatching (twice), the import, the tag pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dudao.directives.models import Directive
from dudao.orgs.models import UnitTagging
from dudao.warnings.models import WarningStatus, WeatherWarning
from tests.factories import City
from tests.warnings.conftest import tag
from tests.warnings.test_tags import xlsx

pytestmark = pytest.mark.django_db


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_clerk_enters_and_dispatches_a_warning(signed_in, tagged: City) -> None:
    client = signed_in(tagged.user("health_officer"))
    assert "录入预警" in client.get("/warnings/").content.decode()
    now = timezone.now()
    response = client.post(
        "/warnings/new/",
        {
            "kind": "rainstorm",
            "level": "orange",
            "starts_at": local(now),
            "ends_at": local(now + dt.timedelta(hours=10)),
            "area": [tagged.district_a.pk],
            "issuer": "市气象台",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "系统按风险标签建议了 1 所学校" in html and "甲区第五中学" in html and "（地势低洼）" in html
    warning = WeatherWarning.objects.get()
    client.post(
        f"/warnings/{warning.pk}/schools/",
        {"school": [tagged.school_a.pk], "add": [tagged.school_a2.pk], "version": 1},
    )
    assert warning.schools.count() == 2
    page = client.post(f"/warnings/{warning.pk}/dispatch/", {"version": 2}, follow=True).content.decode()
    assert "已向 2 所学校下发暴雨橙色预警" in page and "按小时签收" in page
    again = client.post(f"/warnings/{warning.pk}/dispatch/", {"version": 2}, follow=True).content.decode()
    assert "该预警已经下发过，本次未重复下发" in again
    assert Directive.objects.count() == 1
    warning.refresh_from_db()
    assert warning.status == WarningStatus.DISPATCHED


def test_bad_form_input_changes_nothing(signed_in, tagged: City) -> None:
    client = signed_in(tagged.user("health_officer"))
    now = timezone.now()
    page = client.post(
        "/warnings/new/",
        {"kind": "rainstorm", "level": "red", "starts_at": local(now), "ends_at": local(now), "area": []},
        follow=True,
    ).content.decode()
    assert "解除时间应晚于生效时间" in page
    assert not WeatherWarning.objects.exists()


def test_import_of_the_weather_services_csv(signed_in, tagged: City) -> None:
    client = signed_in(tagged.user("health_officer"))
    now = timezone.localtime()
    csv = (
        "预警类型,预警级别,影响区域,生效时间,解除时间,发布单位,预警内容\n"
        f"暴雨,红色,甲区第五中学,{now:%Y-%m-%d %H:%M},{now + dt.timedelta(hours=6):%Y-%m-%d %H:%M},市气象台,特大暴雨\n"
    ).encode("gb18030")
    response = client.post(
        "/warnings/import/", {"file": SimpleUploadedFile("预警.csv", csv, content_type="text/csv")}, follow=True
    )
    assert "已导入 1 条预警" in response.content.decode()
    warning = WeatherWarning.objects.get()
    assert warning.source == "import" and [a.school.name for a in warning.schools.all()] == ["甲区第五中学"]


def test_import_with_bad_cells_shows_the_cells_and_imports_nothing(signed_in, tagged: City) -> None:
    client = signed_in(tagged.user("health_officer"))
    data = xlsx(
        [
            ["预警类型", "预警级别", "影响区域", "生效时间", "解除时间", "发布单位", "预警内容"],
            ["暴雨", "紫色", "乙区第一小学", "2026-07-01 08:00", "2026-07-01 07:00", "", ""],
        ]
    )
    response = client.post("/warnings/import/", {"file": SimpleUploadedFile("预警.xlsx", data)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "第 2 行" in html and "预警级别" in html and "乙区第一小学" in html and "解除时间应晚于生效时间" in html
    assert not WeatherWarning.objects.exists()


def test_tag_pages_list_counts_and_import(signed_in, tagged: City) -> None:
    client = signed_in(tagged.user("district_admin"))
    html = client.get("/orgs/tags/").content.decode()
    assert "地势低洼" in html and "1 所" in html
    detail = client.get(f"/orgs/tags/{tag('地势低洼').pk}/").content.decode()
    assert "甲区第五中学" in detail and "加上标签" in detail
    client.post(f"/orgs/tags/{tag('地势低洼').pk}/add/", {"units": [tagged.school_a2.pk]})
    assert UnitTagging.objects.filter(tag__name="地势低洼").count() == 2
    upload = SimpleUploadedFile("标签.xlsx", xlsx([["学校", "标签"], ["甲区实验小学", "有校车"]]))
    page = client.post("/orgs/tags/import/", {"file": upload}, follow=True).content.decode()
    assert "新增 1 条学校标签" in page
    assert client.get("/orgs/tags/template.xlsx").status_code == 200
    principal = signed_in(tagged.user("principal"))
    assert principal.post(f"/orgs/tags/{tag('地势低洼').pk}/add/", {"units": [tagged.school_a.pk]}).status_code == 403


def test_warning_list_is_usable_on_a_phone(signed_in, rainstorm, tagged: City) -> None:
    html = signed_in(tagged.user("health_officer")).get("/warnings/").content.decode()
    assert 'data-testid="warning-cards"' in html and "暴雨红色预警" in html
