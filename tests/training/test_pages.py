"""继续教育 pages by role: list, detail, QR screen, the sign-in page, the gap page, one's hours, a certificate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from dudao.training import services
from dudao.training.models import Attendance
from tests.factories import PASSWORD, City
from tests.training.conftest import event_in, now, token_for

pytestmark = pytest.mark.django_db


def login(client: Client, city: City, key: str) -> Client:
    assert client.login(username=city.user(key).username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    ("role", "index", "qr"),
    [
        ("principal", 200, 200),
        ("school_staff", 200, 200),
        ("district_admin", 200, 200),  # the district may run its schools' trainings
        ("bureau_leader", 200, 403),
        ("class_teacher", 403, 403),
        ("district_admin_b", 200, 404),
    ],
)
def test_pages_by_role(client, city, event, role, index, qr):
    login(client, city, role)
    assert client.get("/training/").status_code == index
    assert client.get(f"/training/{event.pk}/qr/").status_code == qr
    assert client.get("/training/me/").status_code == 200


def test_phone_sign_in_page_then_twice(client, city, event):
    login(client, city, "class_teacher")
    url = f"/training/sign/{token_for(event)}/"
    page = client.get(url)
    assert "确认签到" in page.content.decode() and not Attendance.objects.exists()
    response = client.post(url, follow=True)
    assert "签到成功，获得 3.0 学时" in response.content.decode()
    again = client.post(url, follow=True)
    assert "无需重复签到" in again.content.decode()
    assert Attendance.objects.count() == 1
    attendance = Attendance.objects.get()
    certificate = client.get(f"/training/certificates/{attendance.pk}/").content.decode()
    assert "结业证书" in certificate and "班主任能力提升培训" in certificate


def test_sign_in_before_the_window_shows_why(client, city, staff):
    later = services.create_event(
        actor=city.user("principal"), organiser=city.school_a, data=event_in(starts_at=now() + dt.timedelta(hours=3))
    )
    login(client, city, "class_teacher")
    page = client.post(f"/training/sign/{token_for(later)}/").content.decode()
    assert "签到尚未开始" in page and not Attendance.objects.exists()
    assert "二维码无效" in client.get("/training/sign/garbage/").content.decode()


def test_principal_sees_the_gap(client, city, event):
    services.sign_in(person=city.user("class_teacher"), token=token_for(event))
    login(client, city, "principal")
    page = client.get(f"/training/hours/?year={event.year}").content.decode()
    assert "差 69.0 学时" in page and "差 72.0 学时" in page
    assert "学时达标" in page
    assert client.get(f"/training/hours/?unit={city.school_b.pk}").status_code == 404


def test_certificate_of_another_school_is_404(client, city, event):
    attendance, _ = services.sign_in(person=city.user("class_teacher"), token=token_for(event))
    login(client, city, "district_admin_b")
    assert client.get(f"/training/certificates/{attendance.pk}/").status_code == 404
    login(client, city, "district_admin")
    assert client.get(f"/training/certificates/{attendance.pk}/").status_code == 200


def test_create_from_the_form_and_bad_hours(client, city, staff):
    login(client, city, "principal")
    start = now().astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    data = {
        "title": "校园安全培训",
        "level": "school",
        "category": "safety",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "venue": "操场",
        "hours": "2",
    }
    page = client.post("/training/new/", data, follow=True).content.decode()
    assert "不能超过培训时长" in page
    data["hours"] = "1"
    page = client.post("/training/new/", data, follow=True).content.decode()
    assert "已发布培训" in page and "显示签到二维码" in page
