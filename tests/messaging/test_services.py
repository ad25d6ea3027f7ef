from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.core.errors import DomainError, StaleEditError
from dudao.messaging import services
from dudao.messaging.models import Category, Channel, Delivery, DeliveryStatus, Message, Preference
from tests.factories import City
from tests.messaging.conftest import FakeApi, bind

pytestmark = pytest.mark.django_db


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


TODAY = dt.date(2026, 3, 10)


def test_same_dedupe_key_reaches_a_person_once(city: City) -> None:
    principal = city.user("principal")
    for _ in range(3):
        services.notify([principal], category=Category.RECTIFICATION, title="整改今天到期", dedupe_key="item:1:today")
    assert Message.objects.filter(recipient=principal).count() == 1


def test_messages_without_a_key_are_never_merged(city: City) -> None:
    principal = city.user("principal")
    services.notify([principal], category=Category.SYSTEM, title="通知一")
    services.notify([principal], category=Category.SYSTEM, title="通知一")
    assert Message.objects.filter(recipient=principal).count() == 2


def test_notify_returns_only_new_messages_and_one_per_person(city: City) -> None:
    people = [city.user("principal"), city.user("doctor")]
    assert services.notify([*people, city.user("principal").pk], category="duty", title="值班", dedupe_key="k") == 2
    assert services.notify(people, category="duty", title="值班", dedupe_key="k") == 0


def test_unknown_category_is_a_programming_error(city: City) -> None:
    with pytest.raises(ValueError):
        services.notify([city.user("principal")], category="gossip", title="x")


def test_notify_units_reaches_the_unit_heads_and_upwards_the_health_officer(city: City) -> None:
    count = services.notify_units(
        [services.UnitNote(city.school_a.pk, "疫情预警", dedupe_key="alert:1")],
        category=Category.HEALTH_ALERT,
        roles=("principal", "doctor", "health_officer"),
        upwards=True,
    )
    got = set(Message.objects.values_list("recipient__username", flat=True))
    assert got == {"principal", "doctor", "health.officer"}
    assert count == 3
    assert Message.objects.filter(urgent=True).count() == 3  # the category is urgent whatever the caller says


def test_notify_units_without_upwards_stays_at_the_unit(city: City) -> None:
    services.notify_units(
        [services.UnitNote(city.school_a.pk, "督办单", url="supervision:list")],
        category=Category.SUPERVISION,
        roles=("principal", "district_admin"),
    )
    message = Message.objects.get()
    assert message.recipient == city.user("principal")
    assert message.url == "/supervision/"


def test_unknown_url_name_leaves_no_link(city: City) -> None:
    services.notify([city.user("principal")], category="system", title="x", url="nowhere:page")
    assert Message.objects.get().url == ""


def test_no_external_channel_configured_means_in_app_only(city: City) -> None:
    bind(city.user("principal"), Channel.WECOM, "lmd")
    services.notify([city.user("principal")], category="duty", title="值班")
    assert Delivery.objects.count() == 0


def test_deliveries_only_to_verified_bindings(city: City, fake_api: FakeApi) -> None:
    from dudao.messaging.models import ChannelBinding

    ChannelBinding.objects.create(user=city.user("principal"), channel=Channel.WECOM, external_id="unverified")
    bind(city.user("doctor"), Channel.WECOM, "sunren")
    services.notify([city.user("principal"), city.user("doctor")], category="duty", title="值班")
    assert list(Delivery.objects.values_list("address", flat=True)) == ["sunren"]


def test_quiet_hours_hold_the_push_then_send_it_when_they_end(city: City, fake_api: FakeApi) -> None:
    principal = city.user("principal")
    bind(principal, Channel.WECOM, "lmd")
    at = local(TODAY, 23, 10)
    services.notify([principal], category=Category.RECTIFICATION, title="整改今天到期", now=at)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.HELD
    assert delivery.next_attempt_at == local(TODAY + dt.timedelta(days=1), 7)
    assert services.send_due(now=local(TODAY + dt.timedelta(days=1), 6, 59)) == {}
    assert fake_api.sends == []
    assert services.send_due(now=local(TODAY + dt.timedelta(days=1), 7, 0)) == {DeliveryStatus.SENT: 1}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.external_id.startswith("msg-")
    assert len(fake_api.sends) == 1


def test_quiet_hours_after_midnight_end_the_same_morning(city: City, fake_api: FakeApi) -> None:
    bind(city.user("principal"), Channel.WECOM, "lmd")
    services.notify([city.user("principal")], category="duty", title="值班", now=local(TODAY, 5, 30))
    assert Delivery.objects.get().next_attempt_at == local(TODAY, 7)


def test_urgent_category_ignores_quiet_hours(city: City, fake_api: FakeApi) -> None:
    bind(city.user("doctor"), Channel.WECOM, "sunren")
    at = local(TODAY, 23, 30)
    services.notify([city.user("doctor")], category=Category.HEALTH_ALERT, title="疫情预警", now=at)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert services.send_due(now=at) == {DeliveryStatus.SENT: 1}


def test_urgent_flag_ignores_quiet_hours_for_any_category(city: City, fake_api: FakeApi) -> None:
    bind(city.user("doctor"), Channel.WECOM, "sunren")
    services.notify([city.user("doctor")], category="duty", title="紧急", urgent=True, now=local(TODAY, 23))
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_quiet_hours_switched_off_send_at_once(city: City, fake_api: FakeApi) -> None:
    user = city.user("principal")
    bind(user, Channel.WECOM, "lmd")
    Preference.objects.create(user=user, quiet_enabled=False)
    services.notify([user], category="duty", title="值班", now=local(TODAY, 23))
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_preferences_choose_channels_per_category(city: City, fake_api: FakeApi) -> None:
    user = city.user("principal")
    bind(user, Channel.WECOM, "lmd")
    bind(user, Channel.DINGTALK, "lmd-ding")
    services.save_preferences(
        actor=user,
        channels_by_category={"duty": ["dingtalk"], "rectification": []},
        quiet_enabled=False,
        quiet_start=dt.time(22),
        quiet_end=dt.time(7),
        version=0,
    )
    services.notify([user], category="duty", title="值班", now=local(TODAY, 10))
    services.notify([user], category="rectification", title="整改", now=local(TODAY, 10))
    assert list(Delivery.objects.values_list("message__category", "channel")) == [("duty", "dingtalk")]


def test_default_preferences_keep_sms_for_urgent_categories(city: City, fake_api: FakeApi, settings) -> None:
    settings.DUDAO_MESSAGING_SMS = True
    settings.DUDAO_SMS_BACKEND = "dudao.notices.sms.MemoryBackend"
    user = city.user("doctor")
    user.phone = "13912345678"
    user.save()
    services.notify([user], category="duty", title="值班", now=local(TODAY, 10))
    assert not Delivery.objects.filter(channel="sms").exists()
    services.notify([user], category="health_alert", title="疫情预警", now=local(TODAY, 10))
    assert Delivery.objects.filter(channel="sms", address="13912345678").count() == 1


def test_save_preferences_refuses_a_stale_version_and_changes_nothing(city: City) -> None:
    user = city.user("principal")

    def save(channels: list[str], version: int) -> Preference:
        return services.save_preferences(
            actor=user,
            channels_by_category={"duty": channels},
            quiet_enabled=True,
            quiet_start=dt.time(22),
            quiet_end=dt.time(7),
            version=version,
        )

    row = save(["wecom"], 0)
    save([], row.version)
    with pytest.raises(StaleEditError):
        save(["sms"], row.version)
    assert Preference.objects.get(user=user).channels["duty"] == []


def test_the_same_preferences_posted_twice_are_harmless(city: City) -> None:
    user = city.user("principal")

    def save() -> Preference:
        return services.save_preferences(
            actor=user,
            channels_by_category={"duty": ["wecom"]},
            quiet_enabled=True,
            quiet_start=dt.time(22),
            quiet_end=dt.time(7),
            version=0,
        )

    first = save()
    again = save()
    assert again.version == first.version


@pytest.mark.parametrize(
    ("channels", "start", "end", "code"),
    [
        ({"gossip": ["wecom"]}, dt.time(22), dt.time(7), "unknown_category"),
        ({"duty": ["pigeon"]}, dt.time(22), dt.time(7), "unknown_channel"),
        ({"duty": ["wecom"]}, dt.time(22), dt.time(22), "quiet_hours_empty"),
    ],
)
def test_bad_preferences_are_refused_in_chinese(city: City, channels, start, end, code) -> None:
    with pytest.raises(DomainError) as exc:
        services.save_preferences(
            actor=city.user("principal"),
            channels_by_category=channels,
            quiet_enabled=True,
            quiet_start=start,
            quiet_end=end,
            version=0,
        )
    assert exc.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)
    assert not Preference.objects.exists()


def test_preferences_are_audited(city: City) -> None:
    from dudao.audit.models import AuditEvent

    services.save_preferences(
        actor=city.user("principal"),
        channels_by_category={"duty": ["wecom"]},
        quiet_enabled=True,
        quiet_start=dt.time(21, 30),
        quiet_end=dt.time(6, 30),
        version=0,
    )
    assert AuditEvent.objects.filter(action="message_preferences").count() == 1


def test_mark_read_is_idempotent_and_own_only(city: City) -> None:
    services.notify([city.user("principal")], category="system", title="x")
    message = Message.objects.get()
    first = services.mark_read(actor=city.user("principal"), message=message).read_at
    assert first is not None
    assert services.mark_read(actor=city.user("principal"), message=message).read_at == first
    with pytest.raises(DomainError):
        services.mark_read(actor=city.user("doctor"), message=message)


def test_mark_all_read_by_category(city: City) -> None:
    user = city.user("principal")
    services.notify([user], category="duty", title="a")
    services.notify([user], category="duty", title="b")
    services.notify([user], category="supervision", title="c")
    assert services.mark_all_read(actor=user, category="duty") == 2
    assert Message.objects.filter(recipient=user, read_at__isnull=True).count() == 1
    assert services.mark_all_read(actor=user) == 1


def test_a_push_read_in_the_app_while_held_is_not_sent(city: City, fake_api: FakeApi) -> None:
    user = city.user("principal")
    bind(user, Channel.WECOM, "lmd")
    services.notify([user], category="duty", title="值班", now=local(TODAY, 23))
    services.mark_read(actor=user, message=Message.objects.get())
    services.send_due(now=local(TODAY + dt.timedelta(days=1), 7))
    assert fake_api.sends == []
    assert Delivery.objects.get().last_error == "已在消息中心阅读，无需再推送"


def test_deliveries_are_queued_after_commit(city: City, fake_api: FakeApi, django_capture_on_commit_callbacks) -> None:
    bind(city.user("doctor"), Channel.DINGTALK, "sunren")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([city.user("doctor")], category="health_alert", title="疫情预警", url="/health/alerts/")
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert "https://dudao.example.gov.cn/health/alerts/" in fake_api.texts("dingtalk")[0]


def test_a_second_batch_at_the_same_instant_plans_pushes_only_for_its_new_messages(
    city: City, fake_api: FakeApi
) -> None:
    principal, doctor = city.user("principal"), city.user("doctor")
    bind(principal, Channel.WECOM, "lmd")
    bind(doctor, Channel.WECOM, "sunren")
    at = local(TODAY, 10)
    assert services.notify([principal], category="duty", title="值班", dedupe_key="shift:1", now=at) == 1
    assert services.notify([principal, doctor], category="duty", title="值班", dedupe_key="shift:1", now=at) == 1
    assert sorted(Delivery.objects.values_list("address", flat=True)) == ["lmd", "sunren"]


@pytest.mark.parametrize(
    ("name", "args", "path"),
    [
        ("rectification:item", (7,), "/ledger/7/"),
        ("rectification:item", (987654320,), "/ledger/987654320/"),
        ("supervision:list", (), "/supervision/"),
        ("rectification:item", (), ""),
        ("/already/a/path/", (), "/already/a/path/"),
    ],
)
def test_url_names_become_paths(name: str, args: tuple[int, ...], path: str) -> None:
    assert services.resolve_url(name, args) == path
