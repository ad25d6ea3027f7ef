"""The 企业微信 / 钉钉 / SMS adapters against the local fake server: token caching and refresh, error codes recorded
in Chinese, retries with backoff."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from dudao.messaging import channels, services
from dudao.messaging.models import Channel, Delivery, DeliveryStatus
from tests.factories import City
from tests.messaging.conftest import FakeApi, bind

pytestmark = pytest.mark.django_db


def send(channel: str, address: str = "lmd", **kw: str) -> channels.SendOutcome:
    args = {"title": "整改今天到期", "body": "消防通道堆放杂物", "url": "/rectification/ledger/1/"} | kw
    return channels.adapter(channel).send(address=address, **args)


@pytest.mark.parametrize("channel", ["wecom", "dingtalk"])
def test_token_is_fetched_once_and_cached(fake_api: FakeApi, channel: str) -> None:
    for _ in range(3):
        assert send(channel).ok
    assert fake_api.tokens_issued[channel] == 1
    assert len(fake_api.sends) == 3


@pytest.mark.parametrize("channel", ["wecom", "dingtalk"])
def test_expired_token_is_refreshed_once_and_the_send_goes_through(fake_api: FakeApi, channel: str) -> None:
    assert send(channel).ok
    fake_api.expire_tokens()
    outcome = send(channel)
    assert outcome.ok
    assert fake_api.tokens_issued[channel] == 2
    assert len(fake_api.sends) == 2


def test_token_is_cached_until_five_minutes_before_the_server_expires_it(fake_api: FakeApi, monkeypatch) -> None:
    timeouts: list[object] = []
    real_set = cache.set

    def spy(key: str, value: object, timeout: float | None = None) -> None:
        timeouts.append(timeout)
        real_set(key, value, timeout)

    monkeypatch.setattr(cache, "set", spy)
    send("wecom")
    assert timeouts == [7200 - 300]


def test_wecom_sends_a_text_card_with_an_absolute_link(fake_api: FakeApi) -> None:
    send("wecom", address="lmd")
    body = fake_api.sends[0]["body"]
    assert body["touser"] == "lmd"
    assert body["agentid"] == 1000002
    assert body["msgtype"] == "textcard"
    assert body["textcard"]["url"] == "https://dudao.example.gov.cn/rectification/ledger/1/"


def test_without_a_public_address_the_message_is_plain_text(fake_api: FakeApi, settings) -> None:
    settings.DUDAO_PUBLIC_BASE_URL = ""
    send("wecom")
    send("dingtalk")
    assert [
        s["body"]["msgtype"] if "msgtype" in s["body"] else s["body"]["msg"]["msgtype"] for s in fake_api.sends
    ] == [
        "text",
        "text",
    ]


def test_dingtalk_work_notification_shape_and_task_id(fake_api: FakeApi) -> None:
    outcome = send("dingtalk", address="user123")
    body = fake_api.sends[0]["body"]
    assert body["agent_id"] == 2000001
    assert body["userid_list"] == "user123"
    assert body["msg"]["msgtype"] == "action_card"
    assert outcome.external_id.startswith("9")


def test_wrong_secret_is_a_permanent_failure_in_chinese(fake_api: FakeApi, settings) -> None:
    settings.DUDAO_WECOM_SECRET = "wrong"
    outcome = send("wecom")
    assert not outcome.ok
    assert outcome.permanent
    assert outcome.error == "获取企业微信访问令牌失败：企业微信返回错误 40001：应用 Secret 不正确"


def test_invalid_user_answered_with_errcode_0_is_still_a_failure(fake_api: FakeApi) -> None:
    fake_api.plan("wecom", {"errcode": 0, "errmsg": "ok", "invaliduser": "nobody"})
    outcome = send("wecom", address="nobody")
    assert not outcome.ok and outcome.permanent
    assert "账号无效" in outcome.error


def test_unreachable_server_is_a_transient_failure(city: City, unreachable: None) -> None:
    outcome = send("wecom")
    assert not outcome.ok
    assert not outcome.permanent
    assert outcome.error.startswith("无法连接企业微信服务器")
    # The administrator reads a reason in Chinese, not the socket's English message.
    assert not re.search(r"[a-z]{4,}", outcome.error), outcome.error


def _one_delivery(city: City, channel: str = Channel.WECOM) -> Delivery:
    bind(city.user("principal"), channel, "lmd")
    # 10 o'clock (outside quiet hours) of today, or of yesterday before 10: never in the future, or the first retry
    # (timed from the real clock) would already be due at it.
    at = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    if at > timezone.localtime():
        at -= dt.timedelta(days=1)
    services.notify([city.user("principal")], category="duty", title="值班提醒", now=at)
    return Delivery.objects.get()


def test_busy_server_is_retried_with_backoff_then_sent(city: City, fake_api: FakeApi) -> None:
    delivery = _one_delivery(city)
    fake_api.plan("wecom", {"errcode": -1, "errmsg": "system busy"}, {"http_status": 502})
    start = delivery.next_attempt_at
    assert services.attempt_delivery(delivery.pk, now=start) == DeliveryStatus.RETRY
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_error == "企业微信返回错误 -1：企业微信系统繁忙，稍后重试"
    first_wait = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=50) < first_wait <= dt.timedelta(minutes=1)
    # Not due yet: the sweep leaves it alone.
    assert services.send_due(now=start) == {}
    assert services.attempt_delivery(delivery.pk, now=delivery.next_attempt_at) == DeliveryStatus.RETRY
    delivery.refresh_from_db()
    assert delivery.last_error == "企业微信服务器返回 HTTP 502"
    assert delivery.next_attempt_at - timezone.now() > dt.timedelta(minutes=4)
    assert services.send_due(now=delivery.next_attempt_at) == {DeliveryStatus.SENT: 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 3, "")


def test_after_the_last_attempt_the_delivery_is_given_up(city: City, fake_api: FakeApi, settings) -> None:
    settings.DUDAO_MESSAGING_MAX_ATTEMPTS = 2
    delivery = _one_delivery(city)
    fake_api.plan("wecom", {"errcode": -1, "errmsg": "busy"}, {"errcode": -1, "errmsg": "busy"})
    services.attempt_delivery(delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    services.attempt_delivery(delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.endswith("（已尝试 2 次，不再重试）")


def test_unknown_account_fails_at_once_without_retry(city: City, fake_api: FakeApi) -> None:
    delivery = _one_delivery(city, Channel.DINGTALK)
    fake_api.plan("dingtalk", {"errcode": 33012, "errmsg": "无效的userid"})
    assert services.attempt_delivery(delivery.pk, now=delivery.next_attempt_at) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert delivery.last_error == "钉钉返回错误 33012：接收人账号不存在"
    assert services.send_due(now=delivery.next_attempt_at + dt.timedelta(hours=1)) == {}


def test_a_delivery_claimed_by_another_worker_is_not_sent_twice(city: City, fake_api: FakeApi) -> None:
    delivery = _one_delivery(city)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, next_attempt_at=timezone.now() + services.SENDING_LEASE
    )
    assert services.send_due() == {}
    assert fake_api.sends == []


def test_sms_goes_through_the_configured_backend(city: City, settings) -> None:
    from dudao.notices.sms import MemoryBackend

    settings.DUDAO_MESSAGING_SMS = True
    settings.DUDAO_SMS_BACKEND = "dudao.notices.sms.MemoryBackend"
    MemoryBackend.sent = []
    user = city.user("doctor")
    user.phone = "13912345678"
    user.save()
    services.notify([user], category="health_alert", title="疫情预警", body="三年级发热聚集")
    assert services.send_due() == {DeliveryStatus.SENT: 1}
    assert [(m.phone, m.text) for m in MemoryBackend.sent] == [("13912345678", "【督导通】疫情预警：三年级发热聚集")]


def test_a_failing_sms_backend_is_recorded_and_retried(city: City, settings) -> None:
    settings.DUDAO_MESSAGING_SMS = True
    settings.DUDAO_SMS_BACKEND = "tests.messaging.test_adapters.BrokenSms"
    user = city.user("doctor")
    user.phone = "13912345678"
    user.save()
    services.notify([user], category="health_alert", title="疫情预警")
    assert services.send_due() == {DeliveryStatus.RETRY: 1}
    assert Delivery.objects.get().last_error == "短信网关出错（ConnectionError）"


class BrokenSms:
    def send(self, messages: object) -> list[object]:
        raise ConnectionError("gateway down")
