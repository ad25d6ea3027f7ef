"""Pages: role × page, out-of-scope canteens, the phone forms and their refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.canteens.models import Canteen, FoodSample, MorningCheck
from tests.canteens.conftest import photo, today

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bureau_leader", 200),
        ("bureau_staff", 200),
        ("district_admin", 200),
        ("health_officer", 200),
        ("principal", 302),  # the school's only canteen opens directly
        ("school_staff", 302),
        ("doctor", 302),
        ("inspector", 403),
        ("class_teacher", 403),
        ("counsellor", 403),
        ("sysadmin", 403),
        ("auditor", 403),
        ("security_officer", 403),
    ],
)
def test_canteen_list_by_role(city, signed_in, canteen, role, status):
    response = signed_in(city.user(role)).get("/canteens/")
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == f"/canteens/{canteen.pk}/"


@pytest.mark.parametrize(
    ("role", "status"),
    [("district_admin", 200), ("health_officer", 200), ("principal", 200), ("class_teacher", 403), ("sysadmin", 403)],
)
def test_canteen_page_by_role(city, signed_in, canteen, role, status):
    assert signed_in(city.user(role)).get(f"/canteens/{canteen.pk}/").status_code == status


def test_canteen_outside_the_district_answers_404(city, signed_in, canteen_b):
    client = signed_in(city.user("district_admin"))
    assert client.get(f"/canteens/{canteen_b.pk}/").status_code == 404
    assert client.get(f"/canteens/?unit={city.school_b.pk}").status_code == 404
    assert signed_in(city.user("principal")).get(f"/canteens/{canteen_b.pk}/samples/new/").status_code == 404


def test_district_lists_its_canteens_with_expiring_documents(city, signed_in, canteen, canteen_b, workers):
    page = signed_in(city.user("district_admin")).get("/canteens/").content.decode()
    assert "甲区第五中学" in page and "乙区第一小学" not in page
    assert "赵国强" in page and "已过期" in page and "还剩 10 天" in page


def test_district_reads_but_cannot_record(city, signed_in, canteen):
    client = signed_in(city.user("district_admin"))
    assert client.get(f"/canteens/{canteen.pk}/samples/new/").status_code == 403
    response = client.post(f"/canteens/{canteen.pk}/companions/new/", {"meal": "lunch"})
    assert response.status_code == 403


def _sample_post(**overrides):
    data = {
        "served_on": today().isoformat(),
        "meal": "breakfast",
        "sampled_time": "00:00",
        "sampled_by": "张秀英",
        "dish_name": ["白粥", "馒头", ""],
        "dish_grams": ["150", "130", ""],
        "photo": photo(),
    }
    data.update(overrides)
    return data


def test_principal_records_a_sample_on_the_form(city, signed_in, canteen):
    client = signed_in(city.user("principal"))
    assert client.get(f"/canteens/{canteen.pk}/samples/new/?meal=lunch").status_code == 200
    response = client.post(f"/canteens/{canteen.pk}/samples/new/", _sample_post(), follow=True)
    record = FoodSample.objects.get()
    assert [d["name"] for d in record.dishes] == ["白粥", "馒头"]
    assert "已记录早餐留样" in response.content.decode()
    assert client.get(f"/canteens/samples/{record.pk}/photo/")["Content-Type"] == "image/png"
    again = client.post(f"/canteens/{canteen.pk}/samples/new/", _sample_post(), follow=True)
    assert "未重复保存" in again.content.decode()
    assert FoodSample.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"dish_grams": ["150", "90", ""]}, "不得少于 125 克"),
        ({"dish_grams": ["150", "一百", ""]}, "留样重量（克，整数）"),
        ({"photo": ""}, "请拍摄或上传留样照片"),
        ({"served_on": (today() + dt.timedelta(days=1)).isoformat()}, "不能晚于今天"),
    ],
)
def test_bad_sample_form_says_why_and_saves_nothing(city, signed_in, canteen, overrides, message):
    client = signed_in(city.user("principal"))
    response = client.post(f"/canteens/{canteen.pk}/samples/new/", _sample_post(**overrides), follow=True)
    assert message in response.content.decode()
    assert not FoodSample.objects.exists()


def test_morning_check_form_refuses_expired_certificate(city, signed_in, canteen, workers):
    client = signed_in(city.user("doctor"))
    page = client.get(f"/canteens/{canteen.pk}/morning-check/").content.decode()
    assert "已过期，不得上岗" in page
    data = {f"w{workers['valid'].pk}": "well", f"w{workers['expired'].pk}": "well"}
    response = client.post(f"/canteens/{canteen.pk}/morning-check/", data, follow=True)
    assert "赵国强的健康证已于" in response.content.decode()
    assert not MorningCheck.objects.exists()
    data = {f"w{workers['valid'].pk}": "well", f"w{workers['soon'].pk}": "sick", f"s{workers['soon'].pk}": "发热"}
    response = client.post(f"/canteens/{canteen.pk}/morning-check/", data, follow=True)
    assert "1 人身体不适已离岗" in response.content.decode()


def test_stale_canteen_form_is_refused(city, signed_in, canteen):
    client = signed_in(city.user("principal"))
    data = {"name": "一号食堂", "open_kitchen": "none", "version": canteen.version}
    client.post(f"/canteens/{canteen.pk}/edit/", data)
    response = client.post(f"/canteens/{canteen.pk}/edit/", {**data, "name": "二号食堂"}, follow=True)
    assert "已被他人修改" in response.content.decode()
    assert Canteen.objects.get(pk=canteen.pk).name == "一号食堂"


def test_school_without_canteen_registers_one(city, signed_in):
    client = signed_in(city.user("school_staff"))
    assert "登记本校食堂" in client.get("/canteens/").content.decode()
    response = client.post("/canteens/new/", {"name": "学生食堂", "open_kitchen": "none"})
    canteen = Canteen.objects.get(school=city.school_a)
    assert response["Location"] == f"/canteens/{canteen.pk}/"


def test_list_queries_do_not_grow_with_canteens(city, signed_in, canteen, django_assert_max_num_queries):
    for i in range(5):
        Canteen.objects.create(school=city.school_a2, name=f"食堂{i}")
    client = signed_in(city.user("bureau_staff"))
    client.get("/canteens/")
    with django_assert_max_num_queries(30):
        assert client.get("/canteens/").status_code == 200
