"""Pages and API of the message centre: each person sees only their own messages (another's answers 404)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dudao.messaging import services
from dudao.messaging.models import ChannelBinding, Message, Preference
from tests.factories import City
from tests.messaging.conftest import FakeApi

pytestmark = pytest.mark.django_db

# Every role, and a user with none: each has a message centre of their own (no permission gates it).
ROLES = [
    "bureau_leader",
    "bureau_staff",
    "inspector",
    "district_admin",
    "principal",
    "school_staff",
    "class_teacher",
    "counsellor",
    "doctor",
    "health_officer",
    "sysadmin",
    "security_officer",
    "auditor",
    "nobody",
]


def _message(user, title: str = "整改今天到期", **kw) -> Message:
    services.notify([user], category=kw.pop("category", "rectification"), title=title, **kw)
    return Message.objects.filter(recipient=user).latest("pk")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_a_message_centre_and_sees_only_its_own(city: City, signed_in, role: str) -> None:
    user = city.user(role)
    _message(user, "给我的消息")
    theirs = _message(city.user("nobody") if role != "nobody" else city.user("doctor"), "别人的消息")
    client = signed_in(user)
    page = client.get("/messages/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "给我的消息" in text
    assert "别人的消息" not in text
    assert client.get("/messages/settings/").status_code == 200
    assert [m["title"] for m in client.get("/api/v1/messages").json()["items"]] == ["给我的消息"]
    assert client.get(f"/messages/{theirs.pk}/open/").status_code == 404
    assert client.post(f"/api/v1/messages/{theirs.pk}/read").status_code == 404


def test_anonymous_is_sent_to_login(client) -> None:
    assert client.get("/messages/").status_code == 302
    assert client.get("/api/v1/messages").status_code == 401


def test_another_persons_message_answers_404_everywhere(city: City, signed_in) -> None:
    theirs = _message(city.user("doctor"))
    client = signed_in(city.user("principal"))
    assert client.post(f"/messages/{theirs.pk}/read/").status_code == 404
    assert client.get(f"/messages/{theirs.pk}/open/").status_code == 404
    assert client.post(f"/api/v1/messages/{theirs.pk}/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_bell_shows_the_unread_count_on_every_page(city: City, signed_in) -> None:
    user = city.user("principal")
    for n in range(3):
        _message(user, f"消息{n}")
    html = signed_in(user).get("/").content.decode()
    assert re.search(r'data-testid="unread-count">3<', html)


def test_list_puts_unread_first_and_mark_read_by_htmx(city: City, signed_in) -> None:
    user = city.user("principal")
    old = _message(user, "旧的未读")
    read = _message(user, "已读的新消息")
    services.mark_read(actor=user, message=read)
    client = signed_in(user)
    text = client.get("/messages/").content.decode()
    assert text.index("旧的未读") < text.index("已读的新消息")
    response = client.post(f"/messages/{old.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "messages-changed"
    assert "已读" in response.content.decode()
    old.refresh_from_db()
    assert old.read_at is not None


def test_open_marks_read_and_follows_only_local_links(city: City, signed_in) -> None:
    user = city.user("principal")
    local = _message(user, url="/rectification/ledger/")
    evil = _message(user, url="https://evil.example.com/")
    client = signed_in(user)
    assert client.get(f"/messages/{local.pk}/open/")["Location"] == "/rectification/ledger/"
    assert client.get(f"/messages/{evil.pk}/open/")["Location"] == "/messages/"
    assert Message.objects.filter(recipient=user, read_at__isnull=True).count() == 0


def test_read_all_marks_only_my_messages(city: City, signed_in) -> None:
    _message(city.user("principal"))
    _message(city.user("principal"))
    other = _message(city.user("doctor"))
    response = signed_in(city.user("principal")).post("/messages/read-all/", follow=True)
    assert "已将 2 条消息标为已读" in response.content.decode()
    other.refresh_from_db()
    assert other.read_at is None


def test_settings_page_without_channels_says_so(city: City, signed_in) -> None:
    text = signed_in(city.user("principal")).get("/messages/settings/").content.decode()
    assert 'data-testid="no-channels"' in text


def test_settings_page_saves_channels_and_quiet_hours(city: City, signed_in, fake_api: FakeApi) -> None:
    client = signed_in(city.user("principal"))
    page = client.get("/messages/settings/").content.decode()
    assert "ch_duty" in page and "企业微信" in page
    response = client.post(
        "/messages/settings/",
        {"ch_duty": ["dingtalk"], "quiet_enabled": "on", "quiet_start": "21:30", "quiet_end": "06:30", "version": "0"},
        follow=True,
    )
    assert "消息设置已保存" in response.content.decode()
    row = Preference.objects.get(user=city.user("principal"))
    assert row.channels["duty"] == ["dingtalk"]
    assert row.channels["rectification"] == []
    assert row.quiet_start == dt.time(21, 30)


def test_settings_page_refuses_bad_time_with_a_message(city: City, signed_in) -> None:
    response = signed_in(city.user("principal")).post(
        "/messages/settings/", {"quiet_start": "25:00", "quiet_end": "07:00", "version": "0"}, follow=True
    )
    assert "请检查填写内容" in response.content.decode()
    assert not Preference.objects.exists()


def test_stale_settings_form_is_refused(city: City, signed_in) -> None:
    client = signed_in(city.user("principal"))
    form = {"quiet_enabled": "on", "quiet_start": "22:00", "quiet_end": "07:00", "version": "0"}
    client.post("/messages/settings/", {**form, "ch_duty": ["wecom"]})
    response = client.post("/messages/settings/", {**form, "ch_duty": ["sms"]}, follow=True)
    assert "已被他人修改" in response.content.decode()


def test_binding_sends_a_code_through_the_channel_and_the_code_verifies(
    city: City, signed_in, fake_api: FakeApi, django_capture_on_commit_callbacks
) -> None:
    client = signed_in(city.user("principal"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/messages/settings/bind/", {"channel": "wecom", "external_id": "LiMingDe"}, follow=True)
    assert "验证码已发送到您的企业微信" in response.content.decode()
    sent = fake_api.sends[-1]["body"]
    assert sent["touser"] == "LiMingDe"
    found = re.search(r"验证码 (\d{6})", sent["text"]["content"])
    assert found is not None
    code = found.group(1)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/messages/settings/verify/", {"channel": "wecom", "code": wrong}, follow=True)
    assert "验证码不正确，还可尝试 4 次" in response.content.decode()
    response = client.post("/messages/settings/verify/", {"channel": "wecom", "code": code}, follow=True)
    assert "企业微信账号绑定成功" in response.content.decode()
    assert ChannelBinding.objects.get(user=city.user("principal")).is_verified


def test_an_account_bound_by_someone_else_is_refused(city: City, signed_in, fake_api: FakeApi) -> None:
    from tests.messaging.conftest import bind

    bind(city.user("doctor"), "wecom", "shared")
    response = signed_in(city.user("principal")).post(
        "/messages/settings/bind/", {"channel": "wecom", "external_id": "shared"}, follow=True
    )
    assert "该账号已被其他用户绑定" in response.content.decode()
    assert not ChannelBinding.objects.filter(user=city.user("principal")).exists()


def test_binding_a_channel_the_deployment_lacks_is_refused(city: City, signed_in) -> None:
    response = signed_in(city.user("principal")).post(
        "/messages/settings/bind/", {"channel": "dingtalk", "external_id": "x"}, follow=True
    )
    assert "本系统尚未配置钉钉" in response.content.decode()


def test_unbind_removes_the_binding(city: City, signed_in, fake_api: FakeApi) -> None:
    from tests.messaging.conftest import bind

    bind(city.user("principal"), "wecom", "lmd")
    response = signed_in(city.user("principal")).post("/messages/settings/unbind/", {"channel": "wecom"}, follow=True)
    assert "已解除企业微信绑定" in response.content.decode()
    assert not ChannelBinding.objects.exists()


# --- API -----------------------------------------------------------------------------------------------------------


def test_api_lists_own_messages_unread_first_and_paged(city: City, signed_in) -> None:
    user = city.user("principal")
    first = _message(user, "一")
    _message(user, "二")
    _message(user, "三")
    services.mark_read(actor=user, message=Message.objects.get(title="三"))
    _message(city.user("doctor"), "别人的")
    client = signed_in(user)
    body = client.get("/api/v1/messages?page_size=2").json()
    assert body["count"] == 3
    assert [m["title"] for m in body["items"]] == ["二", "一"]
    assert body["items"][0]["category_name"] == "整改到期与逾期"
    body = client.get("/api/v1/messages?page=2&page_size=2").json()
    assert [m["title"] for m in body["items"]] == ["三"]
    assert client.get("/api/v1/messages?unread=true").json()["count"] == 2
    assert client.get("/api/v1/messages/unread-count").json() == {"unread": 2}
    read = client.post(f"/api/v1/messages/{first.pk}/read").json()
    assert read["read_at"] is not None
    assert client.post("/api/v1/messages/read-all", content_type="application/json", data={}).json() == {"count": 1}


def test_api_bad_input_is_400_with_a_chinese_message(city: City, signed_in) -> None:
    client = signed_in(city.user("principal"))
    response = client.get("/api/v1/messages?category=gossip")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert client.post("/api/v1/messages/0/read").status_code == 400


def test_api_preferences_round_trip_and_stale_version(city: City, signed_in, fake_api: FakeApi) -> None:
    client = signed_in(city.user("principal"))
    prefs = client.get("/api/v1/messages/preferences").json()
    assert prefs["version"] == 0
    assert set(prefs["available_channels"]) == {"wecom", "dingtalk"}
    payload = {"channels": {"duty": ["wecom"]}, "quiet_start": "22:00", "quiet_end": "07:00", "version": 0}
    saved = client.put("/api/v1/messages/preferences", payload, content_type="application/json")
    assert saved.status_code == 200
    assert saved.json()["channels"]["duty"] == ["wecom"]
    stale = client.put(
        "/api/v1/messages/preferences", {**payload, "channels": {"duty": []}}, content_type="application/json"
    )
    assert stale.status_code == 409
    assert "已被他人修改" in stale.json()["detail"]
