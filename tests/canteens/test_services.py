"""Canteen services: 留样, 陪餐, 晨检, the canteen's data, and the refusals of bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.canteens import selectors, services
from dudao.canteens.models import SAMPLE_KEEP, Canteen, CompanionMeal, FoodSample, Meal, MorningCheck
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.core.models import StoredFile
from tests.canteens.conftest import DISHES, sample, today

pytestmark = pytest.mark.django_db


def test_sample_is_recorded_with_photo_and_audited(city, canteen):
    record, created = sample(city, canteen)
    assert created
    assert record.photo.detected_type == "png"
    assert record.dishes == [{"name": "红烧肉", "grams": 150}, {"name": "番茄炒蛋", "grams": 125}]
    assert record.discard_after == record.sampled_at + SAMPLE_KEEP
    event = AuditEvent.objects.get(action="sample", object_id=str(record.pk))
    assert event.unit_path == city.school_a.path


def test_double_submit_of_the_same_meal_keeps_one_record_and_one_photo(city, canteen):
    first, _ = sample(city, canteen)
    files = StoredFile.objects.count()
    again, created = sample(city, canteen, dishes=[services.DishIn("米饭", 200)])
    assert not created and again.pk == first.pk
    assert FoodSample.objects.count() == 1
    assert StoredFile.objects.count() == files


def test_sample_dated_in_the_future_is_refused(city, canteen):
    with pytest.raises(DomainError, match="不能晚于今天") as exc:
        sample(city, canteen, served_on=today() + dt.timedelta(days=1))
    assert exc.value.code == "date_in_future"
    assert not FoodSample.objects.exists()


def test_sample_time_in_the_future_is_refused(city, canteen):
    with pytest.raises(DomainError, match="留样时间不能晚于现在"):
        sample(city, canteen, sampled_at=timezone.now() + dt.timedelta(hours=1))
    assert not FoodSample.objects.exists()


def test_dish_under_125_grams_is_refused(city, canteen):
    with pytest.raises(DomainError, match="不得少于 125 克") as exc:
        sample(city, canteen, dishes=[services.DishIn("红烧肉", 150), services.DishIn("土豆丝", 100)])
    assert exc.value.code == "sample_too_small"
    assert not FoodSample.objects.exists() and not StoredFile.objects.exists()


def test_sample_without_dishes_is_refused(city, canteen):
    with pytest.raises(DomainError, match="至少填写一个"):
        sample(city, canteen, dishes=[])


def test_sample_without_photo_is_refused(city, canteen):
    with pytest.raises(DomainError, match="留样照片") as exc:
        sample(city, canteen, photo=None)
    assert exc.value.code == "sample_photo_missing"
    assert not FoodSample.objects.exists()


def test_non_image_photo_is_refused_by_content(city, canteen):
    fake = SimpleUploadedFile("留样.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")
    with pytest.raises(DomainError, match="不是允许的类型"):
        sample(city, canteen, photo=fake)
    assert not FoodSample.objects.exists() and not StoredFile.objects.exists()


def test_oversized_photo_is_refused(city, canteen, monkeypatch):
    monkeypatch.setattr(services, "PHOTO_MAX_BYTES", 100)
    with pytest.raises(DomainError, match="超过") as exc:
        sample(city, canteen)
    assert exc.value.code == "upload_too_large"
    assert not FoodSample.objects.exists()


def test_meal_the_canteen_does_not_serve_is_refused(city, canteen):
    with pytest.raises(DomainError, match="不供应晚餐"):
        sample(city, canteen, meal=Meal.DINNER)


@pytest.mark.parametrize("role", ["district_admin", "health_officer", "class_teacher", "bureau_staff"])
def test_only_the_school_records_samples(city, canteen, role):
    with pytest.raises(Forbidden):
        sample(city, canteen, actor=city.user(role))


@pytest.mark.parametrize("role", ["principal", "school_staff", "doctor"])
def test_school_roles_record_samples(city, canteen, role):
    _, created = sample(city, canteen, actor=city.user(role))
    assert created


def test_companion_meal_recorded_once(city, canteen):
    args = {
        "actor": city.user("principal"),
        "canteen": canteen,
        "served_on": today(),
        "meal": Meal.LUNCH,
        "leader_name": "陈校长",
        "leader_title": "校长",
        "note": "饭菜温度适宜",
    }
    first, created = services.record_companion(**args)
    again, created_again = services.record_companion(**{**args, "note": "再次提交"})
    assert created and not created_again and again.pk == first.pk
    assert CompanionMeal.objects.get().note == "饭菜温度适宜"


def test_companion_needs_a_note(city, canteen):
    with pytest.raises(DomainError, match="请填写陪餐情况"):
        services.record_companion(
            actor=city.user("principal"),
            canteen=canteen,
            served_on=today(),
            meal=Meal.LUNCH,
            leader_name="陈校长",
            leader_title="",
            note=" ",
        )
    assert not CompanionMeal.objects.exists()


def test_worker_with_expired_certificate_cannot_be_put_on_duty(city, canteen, workers):
    results = [
        services.CheckIn(workers["valid"].pk, True),
        services.CheckIn(workers["expired"].pk, True),
    ]
    with pytest.raises(DomainError, match="赵国强的健康证已于") as exc:
        services.record_morning_check(actor=city.user("doctor"), canteen=canteen, day=today(), results=results)
    assert exc.value.code == "certificate_expired"
    assert not MorningCheck.objects.exists()


def test_sick_worker_is_sent_home_and_a_correction_replaces_the_check(city, canteen, workers):
    doctor = city.user("doctor")
    services.record_morning_check(
        actor=doctor,
        canteen=canteen,
        day=today(),
        results=[services.CheckIn(workers["valid"].pk, True), services.CheckIn(workers["soon"].pk, False, "发热")],
    )
    check = MorningCheck.objects.get(worker=workers["soon"])
    assert not check.is_well and check.symptoms == "发热"
    services.record_morning_check(
        actor=doctor, canteen=canteen, day=today(), results=[services.CheckIn(workers["soon"].pk, True)]
    )
    assert MorningCheck.objects.count() == 2
    assert MorningCheck.objects.get(worker=workers["soon"]).is_well


def test_sick_worker_needs_symptoms(city, canteen, workers):
    with pytest.raises(DomainError, match="李玉梅的症状"):
        services.record_morning_check(
            actor=city.user("doctor"),
            canteen=canteen,
            day=today(),
            results=[services.CheckIn(workers["soon"].pk, False, "")],
        )


def test_stale_canteen_edit_is_refused(city, canteen):
    data = services.CanteenIn(name="一号食堂", open_kitchen="partial", open_kitchen_checked_on=today())
    services.update_canteen(actor=city.user("principal"), canteen=canteen, data=data, version=canteen.version)
    with pytest.raises(StaleEditError):
        services.update_canteen(
            actor=city.user("school_staff"),
            canteen=canteen,
            data=services.CanteenIn(name="二号食堂"),
            version=canteen.version,
        )
    canteen.refresh_from_db()
    assert canteen.name == "一号食堂" and canteen.version == 2


def test_renewed_certificate_lets_the_worker_on_duty(city, canteen, workers):
    worker = workers["expired"]
    services.update_worker(
        actor=city.user("principal"),
        worker=worker,
        data=services.WorkerIn(name=worker.name, certificate_expires_on=today() + dt.timedelta(days=365)),
        version=worker.version,
    )
    with pytest.raises(StaleEditError):
        services.update_worker(
            actor=city.user("principal"),
            worker=worker,
            data=services.WorkerIn(name="改名", certificate_expires_on=today()),
            version=worker.version,
        )
    saved = services.record_morning_check(
        actor=city.user("doctor"), canteen=canteen, day=today(), results=[services.CheckIn(worker.pk, True)]
    )
    assert saved[0].is_well


def test_open_kitchen_needs_a_check_date(city, canteen):
    with pytest.raises(DomainError, match="核查日期"):
        services.update_canteen(
            actor=city.user("principal"),
            canteen=canteen,
            data=services.CanteenIn(name="学生食堂", open_kitchen="full"),
            version=canteen.version,
        )


def test_expired_supplier_is_refused(city, canteen):
    with pytest.raises(DomainError, match="资质已于"):
        services.add_supplier(
            actor=city.user("principal"),
            canteen=canteen,
            data=services.SupplierIn("绿源蔬菜", "JY1", today() - dt.timedelta(days=1), "蔬菜"),
        )


def test_lunch_records_are_overdue_from_the_deadline_on_school_days():
    monday = dt.date(2026, 12, 7)
    tz = timezone.get_current_timezone()
    assert not selectors.is_overdue_now(monday, dt.datetime(2026, 12, 7, 13, 59, tzinfo=tz))
    assert selectors.is_overdue_now(monday, dt.datetime(2026, 12, 7, 14, 0, tzinfo=tz))
    assert selectors.is_overdue_now(monday, dt.datetime(2026, 12, 8, 9, 0, tzinfo=tz))
    saturday = dt.date(2026, 12, 12)
    assert not selectors.is_overdue_now(saturday, dt.datetime(2026, 12, 12, 15, 0, tzinfo=tz))


def test_canteen_day_is_red_until_lunch_sample_and_companion_are_recorded(city, canteen):
    tz = timezone.get_current_timezone()
    day = dt.date(2026, 12, 7)  # a Monday
    late = dt.datetime(2026, 12, 7, 14, 30, tzinfo=tz)
    [row] = selectors.days_of([canteen], day, late)
    assert row.is_red and row.lunch_missing == ["留样", "陪餐"]
    FoodSample.objects.create(
        canteen=canteen,
        served_on=day,
        meal=Meal.LUNCH,
        dishes=[],
        sampled_at=late,
        sampled_by="x",
        photo=sample(city, canteen)[0].photo,
        recorded_by=city.user("principal"),
    )
    CompanionMeal.objects.create(
        canteen=canteen, served_on=day, meal=Meal.LUNCH, leader_name="陈", note="好", recorded_by=city.user("principal")
    )
    [row] = selectors.days_of([canteen], day, late)
    assert not row.is_red


def test_expiring_documents_flag_30_days_ahead_and_expired(city, canteen, workers):
    docs = selectors.expiring_documents(Canteen.objects.all(), today())
    assert [(d.holder, d.is_expired) for d in docs] == [("赵国强", True), ("李玉梅", False)]
    assert docs[1].days_left == 10


def test_dishes_keep_their_order(city, canteen):
    record, _ = sample(city, canteen, dishes=[*DISHES, services.DishIn("米饭", 200)])
    assert [d["name"] for d in record.dishes] == ["红烧肉", "番茄炒蛋", "米饭"]
