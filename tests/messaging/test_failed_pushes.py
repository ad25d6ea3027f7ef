"""推送失败记录: administrators list the pushes that failed on 企业微信/钉钉/SMS for the people of their subtree and
retry them (one, or all through the background send job) against the local fake of the channels' servers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts import services as accounts
from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden
from dudao.messaging import retries, services
from dudao.messaging.models import Channel, Delivery, DeliveryStatus, Message
from tests.factories import City
from tests.messaging.conftest import FakeApi, bind

pytestmark = pytest.mark.django_db

ERROR = "企业微信返回错误 81013：接收人账号不存在或不在应用可见范围"


def failed(
    city: City, key: str, *, channel: str = Channel.WECOM, address: str = "old-account", title: str = "督办单：食堂问题"
) -> Delivery:
    """A push to `key` that the send job gave up on."""
    user = city.user(key)
    services.notify([user], category="supervision", title=title, dedupe_key=f"t:{key}:{channel}:{title}")
    message = Message.objects.get(recipient=user, title=title)
    return Delivery.objects.create(
        message=message,
        channel=channel,
        address=address,
        status=DeliveryStatus.FAILED,
        attempts=5,
        last_error=ERROR,
        last_attempt_at=timezone.now(),
    )


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- services --------------------------------------------------------------------------------------------------


def test_retry_sends_again_to_the_account_bound_now(
    city: City, fake_api: FakeApi, django_capture_on_commit_callbacks
) -> None:
    push = failed(city, "principal")
    bind(city.user("principal"), Channel.WECOM, "lmd")
    with django_capture_on_commit_callbacks(execute=True):
        retries.retry_delivery(actor=city.user("bureau_staff"), delivery_id=push.pk)
    push.refresh_from_db()
    assert push.status == DeliveryStatus.SENT and push.address == "lmd" and push.attempts == 1
    assert [s["body"]["touser"] for s in fake_api.sends] == ["lmd"]
    [event] = events("push_retry")
    assert event.actor_id == city.user("bureau_staff").pk
    assert event.changes["status"] == ["failed", "pending"]
    assert event.changes["address"] == ["old-account", "lmd"]


def test_a_retry_that_fails_again_is_listed_again(
    city: City, fake_api: FakeApi, django_capture_on_commit_callbacks
) -> None:
    push = failed(city, "principal")
    bind(city.user("principal"), Channel.WECOM, "lmd")
    fake_api.plan("wecom", {"errcode": 81013, "errmsg": "user not found"})
    with django_capture_on_commit_callbacks(execute=True):
        retries.retry_delivery(actor=city.user("bureau_staff"), delivery_id=push.pk)
    push.refresh_from_db()
    assert push.status == DeliveryStatus.FAILED and push.attempts == 1 and "81013" in push.last_error


def test_retry_without_a_bound_account_is_refused_and_changes_nothing(city: City, fake_api: FakeApi) -> None:
    push = failed(city, "principal")
    with pytest.raises(DomainError, match="未绑定企业微信账号"):
        retries.retry_delivery(actor=city.user("bureau_staff"), delivery_id=push.pk)
    push.refresh_from_db()
    assert push.status == DeliveryStatus.FAILED and push.attempts == 5 and push.address == "old-account"
    assert events("push_retry") == []


def test_retry_of_a_channel_no_longer_configured_is_refused(city: City) -> None:
    push = failed(city, "principal")
    with pytest.raises(DomainError, match="未配置企业微信"):
        retries.retry_delivery(actor=city.user("bureau_staff"), delivery_id=push.pk)


def test_a_second_retry_click_changes_nothing(city: City, fake_api: FakeApi) -> None:
    push = failed(city, "principal")
    bind(city.user("principal"), Channel.WECOM, "lmd")
    retries.retry_delivery(actor=city.user("bureau_staff"), delivery_id=push.pk)  # queued, not sent yet
    retries.retry_delivery(actor=city.user("bureau_staff"), delivery_id=push.pk)
    assert Delivery.objects.get(pk=push.pk).status == DeliveryStatus.PENDING
    assert len(events("push_retry")) == 1


def test_a_cancelled_push_is_not_retried(city: City, fake_api: FakeApi) -> None:
    push = failed(city, "principal")
    Delivery.objects.filter(pk=push.pk).update(status=DeliveryStatus.CANCELLED, last_error="账号已解绑")
    with pytest.raises(DomainError, match="无需推送"):
        retries.retry_delivery(actor=city.user("bureau_staff"), delivery_id=push.pk)


def test_pushes_read_in_the_app_or_unbound_are_cancelled_not_failed(city: City, fake_api: FakeApi) -> None:
    principal = city.user("principal")
    bind(principal, Channel.WECOM, "lmd")
    services.notify([principal], category="duty", title="值班")
    services.unbind(actor=principal, channel=Channel.WECOM)
    assert Delivery.objects.get().status == DeliveryStatus.CANCELLED


def test_retry_out_of_scope_is_not_found_and_a_principal_may_not_retry(city: City, fake_api: FakeApi) -> None:
    push_b = failed(city, "district_admin_b")
    with pytest.raises(DomainError) as caught:
        retries.retry_delivery(actor=city.user("district_admin"), delivery_id=push_b.pk)
    assert caught.value.status == 404
    with pytest.raises(Forbidden):
        retries.retry_delivery(actor=city.user("principal"), delivery_id=push_b.pk)


def test_retry_all_takes_the_failed_pushes_of_the_subtree_only(
    city: City, fake_api: FakeApi, django_capture_on_commit_callbacks
) -> None:
    a1, a2 = failed(city, "principal"), failed(city, "doctor", address="sunren")
    unbound = failed(city, "school_staff")
    b = failed(city, "district_admin_b")
    bind(city.user("principal"), Channel.WECOM, "lmd")
    bind(city.user("doctor"), Channel.WECOM, "sunren")
    bind(city.user("district_admin_b"), Channel.WECOM, "zhaoyi")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = retries.retry_failed(actor=city.user("district_admin"))
    assert outcome == retries.RetryOutcome(retried=2, skipped=1)
    assert {Delivery.objects.get(pk=p.pk).status for p in (a1, a2)} == {DeliveryStatus.SENT}
    assert Delivery.objects.get(pk=a1.pk).address == "lmd"
    assert Delivery.objects.get(pk=unbound.pk).status == DeliveryStatus.FAILED
    assert Delivery.objects.get(pk=b.pk).status == DeliveryStatus.FAILED  # district B: not hers
    assert sorted(s["body"]["touser"] for s in fake_api.sends) == ["lmd", "sunren"]
    [event] = events("push_retry_all")
    assert event.changes["retried"] == 2 and event.changes["skipped"] == 1
    assert sorted(event.changes["deliveries"]) == sorted([a1.pk, a2.pk])
    # Nothing failed any more in her subtree but the unbound one: a second click retries nothing new.
    assert retries.retry_failed(actor=city.user("district_admin")) == retries.RetryOutcome(0, 1)
    assert len(events("push_retry_all")) == 1


def test_retry_all_of_one_channel(city: City, fake_api: FakeApi) -> None:
    failed(city, "principal")
    sms = failed(city, "doctor", channel=Channel.SMS, address="13812345678")
    outcome = retries.retry_failed(actor=city.user("bureau_staff"), channel=Channel.DINGTALK)
    assert outcome == retries.RetryOutcome(0, 0)
    assert events("push_retry_all") == []
    assert Delivery.objects.get(pk=sms.pk).status == DeliveryStatus.FAILED


def test_retry_all_with_nothing_failed_writes_no_audit_event(city: City) -> None:
    assert retries.retry_failed(actor=city.user("sysadmin")) == retries.RetryOutcome(0, 0)
    assert events("push_retry_all") == []


def test_retry_all_refuses_an_unknown_channel(city: City) -> None:
    with pytest.raises(DomainError, match="推送渠道不正确"):
        retries.retry_failed(actor=city.user("sysadmin"), channel="fax")


# --- pages ----------------------------------------------------------------------------------------------------

# The page for each role: administrators of the system, the bureau and a district; everyone else 403.
PAGE_ROLES = {
    "sysadmin": 200,
    "district_sysadmin": 200,
    "bureau_staff": 200,
    "district_admin": 200,
    "bureau_leader": 403,
    "inspector": 403,
    "principal": 403,
    "school_staff": 403,
    "class_teacher": 403,
    "counsellor": 403,
    "doctor": 403,
    "health_officer": 403,
    "case_officer": 403,
    "security_officer": 403,
    "auditor": 403,
    "nobody": 403,
}


@pytest.mark.parametrize(("role", "expected"), PAGE_ROLES.items())
def test_failed_push_page_per_role(signed_in, city: City, role: str, expected: int) -> None:
    failed(city, "principal")
    failed(city, "district_admin_b", title="乙区的推送")
    response = signed_in(city.user(role)).get("/messages/failed/")
    assert response.status_code == expected
    if expected == 200:
        content = response.content.decode()
        assert "测试用户" in content and ERROR in content and "已尝试 5 次" in content
        rows = content.count('data-testid="failed-push"')
        assert rows == (2 if role in ("sysadmin", "bureau_staff") else 1), role  # 乙区's only from the city


@pytest.mark.parametrize(("role", "expected"), PAGE_ROLES.items())
def test_failed_push_api_per_role(client: Client, city: City, role: str, expected: int) -> None:
    failed(city, "principal")
    failed(city, "district_admin_b", title="乙区的推送")
    _, token = accounts.create_token(actor=city.user(role), name="t")
    response = client.get("/api/v1/failed-pushes", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert body["count"] == (2 if role in ("sysadmin", "bureau_staff") else 1)
        row = next(r for r in body["items"] if r["recipient"] == city.user("principal").pk)
        assert row["channel_name"] == "企业微信" and row["error"] == ERROR and row["attempts"] == 5
    else:
        assert set(response.json()) >= {"detail", "code"}


def test_the_system_administrator_sees_the_kind_of_message_not_its_title(signed_in, city: City) -> None:
    failed(city, "principal", title="督办单：食堂从业人员健康证过期")
    admin = signed_in(city.user("sysadmin")).get("/messages/failed/").content.decode()
    assert "督办单" in admin and "健康证过期" not in admin
    staff = signed_in(city.user("bureau_staff")).get("/messages/failed/").content.decode()
    assert "健康证过期" in staff


def test_sms_numbers_are_masked(signed_in, city: City) -> None:
    failed(city, "doctor", channel=Channel.SMS, address="13812345678")
    content = signed_in(city.user("bureau_staff")).get("/messages/failed/?channel=sms").content.decode()
    assert "13812345678" not in content and "138****5678" in content


def test_retry_button_posts_and_reports(signed_in, city: City, fake_api: FakeApi) -> None:
    push = failed(city, "principal")
    bind(city.user("principal"), Channel.WECOM, "lmd")
    response = signed_in(city.user("district_admin")).post(f"/messages/failed/{push.pk}/retry/", follow=True)
    assert response.status_code == 200
    assert "已重新推送给" in response.content.decode() or "已发送成功" in response.content.decode()
    assert Delivery.objects.get(pk=push.pk).status in (DeliveryStatus.PENDING, DeliveryStatus.SENT)


def test_retry_without_account_shows_the_reason(signed_in, city: City, fake_api: FakeApi) -> None:
    push = failed(city, "principal")
    response = signed_in(city.user("district_admin")).post(f"/messages/failed/{push.pk}/retry/", follow=True)
    assert "未绑定企业微信账号" in response.content.decode()
    assert Delivery.objects.get(pk=push.pk).status == DeliveryStatus.FAILED


@pytest.mark.parametrize(("role", "expected"), [("district_admin", 404), ("principal", 403), ("auditor", 403)])
def test_retry_of_another_districts_push(signed_in, city: City, role: str, expected: int) -> None:
    push_b = failed(city, "district_admin_b")
    response = signed_in(city.user(role)).post(f"/messages/failed/{push_b.pk}/retry/")
    assert response.status_code == expected
    assert Delivery.objects.get(pk=push_b.pk).status == DeliveryStatus.FAILED


def test_retry_all_button(signed_in, city: City, fake_api: FakeApi) -> None:
    failed(city, "principal")
    bind(city.user("principal"), Channel.WECOM, "lmd")
    response = signed_in(city.user("sysadmin")).post("/messages/failed/retry-all/", {"channel": "wecom"}, follow=True)
    assert "已将 1 条推送重新加入发送队列" in response.content.decode()
    assert response.redirect_chain[-1][0] == "/messages/failed/?channel=wecom"


def test_the_page_lists_in_few_queries(signed_in, city: City, django_assert_max_num_queries) -> None:
    for key in ("principal", "doctor", "school_staff", "counsellor", "class_teacher"):
        failed(city, key)
    client = signed_in(city.user("bureau_staff"))
    client.get("/messages/failed/")
    with django_assert_max_num_queries(14):
        response = client.get("/messages/failed/")
    assert response.content.decode().count('data-testid="failed-push"') == 5


def test_menu_entry_for_administrators_only(signed_in, city: City) -> None:
    assert "推送失败记录" in signed_in(city.user("sysadmin")).get("/messages/").content.decode()
    assert "推送失败记录" not in signed_in(city.user("principal")).get("/messages/").content.decode()


# --- API writes ------------------------------------------------------------------------------------------------


def api(client: Client, city: City, key: str) -> dict[str, Any]:
    _, token = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_api_retry_one_and_all(client: Client, city: City, fake_api: FakeApi) -> None:
    push = failed(city, "principal")
    other = failed(city, "doctor", address="sunren")
    bind(city.user("principal"), Channel.WECOM, "lmd")
    bind(city.user("doctor"), Channel.WECOM, "sunren")
    auth = api(client, city, "bureau_staff")
    response = client.post(f"/api/v1/failed-pushes/{push.pk}/retry", **auth)
    assert response.status_code == 200
    assert response.json()["address"] == "lmd" and response.json()["status"] in ("pending", "sent")
    response = client.post("/api/v1/failed-pushes/retry-all", {"channel": "wecom"}, "application/json", **auth)
    assert response.json() == {"retried": 1, "skipped": 0}
    assert Delivery.objects.get(pk=other.pk).status in (DeliveryStatus.PENDING, DeliveryStatus.SENT)


def test_api_retry_errors(client: Client, city: City, fake_api: FakeApi) -> None:
    push = failed(city, "principal")
    push_b = failed(city, "district_admin_b")
    auth = api(client, city, "district_admin")
    assert client.post(f"/api/v1/failed-pushes/{push_b.pk}/retry", **auth).status_code == 404
    refused = client.post(f"/api/v1/failed-pushes/{push.pk}/retry", **auth)
    assert refused.status_code == 400 and refused.json()["code"] == "push_no_address"
    assert "未绑定企业微信账号" in refused.json()["detail"]
    principal = api(client, city, "principal")
    assert client.post(f"/api/v1/failed-pushes/{push.pk}/retry", **principal).status_code == 403
    assert client.post("/api/v1/failed-pushes/retry-all", {}, "application/json", **principal).status_code == 403
