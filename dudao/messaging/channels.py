"""Adapters of the external channels: 企业微信 (WeCom) and 钉钉 (DingTalk) work-app messages through their server
APIs, and SMS through the deployment's SMS backend (`DUDAO_SMS_BACKEND`, loaded by dotted path).

Each adapter answers one `send(address=…, title=…, body=…, url=…)` with a `SendOutcome`; it never raises for a
refusal or a network fault, so the send job can record the Chinese reason and decide whether to retry. Base URLs come
from settings, so tests point them at a local fake server.

Access tokens (valid 7,200 s) live in the shared cache until five minutes before they expire, for every worker; a
token the server calls invalid or expired is dropped and fetched again once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from dudao.messaging.models import Channel

log = logging.getLogger("dudao.messaging")

TOKEN_MARGIN_SECONDS = 300
# Codes both servers answer for a stale or unknown access_token: fetch a new one and try once more.
TOKEN_INVALID_CODES = frozenset({40014, 42001, 41001})
# Busy, rate-limited or internal errors: worth another try later.
TRANSIENT_CODES = frozenset({-1, 45009, 45033, 90002, 90018})


@dataclass(frozen=True)
class SendOutcome:
    ok: bool
    external_id: str = ""
    error: str = ""
    # A refusal that no retry can cure (unknown account, wrong configuration).
    permanent: bool = False


class Adapter(Protocol):
    channel: Channel

    def configured(self) -> bool: ...

    def send(self, *, address: str, title: str, body: str, url: str) -> SendOutcome: ...


class ChannelError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code


def absolute_url(url: str) -> str:
    """A link in an external message must be absolute; without DUDAO_PUBLIC_BASE_URL there is none to give."""
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    base = settings.DUDAO_PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{url}" if base else ""


def _network_reason(reason: object) -> str:
    """The failure in words an administrator reads on the failed-push page (the exception itself goes to the log)."""
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return "连接超时"
    if isinstance(reason, ConnectionRefusedError):
        return "连接被拒绝"
    if isinstance(reason, socket.gaierror):
        return "域名无法解析"
    if isinstance(reason, ssl.SSLError):
        return "证书或加密连接错误"
    return "网络错误"


def _request(label: str, url: str, *, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """One HTTP call answering JSON; network faults, 5xx and garbage become a transient `ChannelError`."""
    data = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
    request = urllib.request.Request(  # noqa: S310  (the scheme comes from the deployment's settings)
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.DUDAO_MESSAGING_TIMEOUT) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"{label}服务器返回 HTTP {exc.code}", permanent=exc.code in (400, 401, 403, 404)) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        log.warning("messaging: %s unreachable: %r", label, reason)
        raise ChannelError(f"无法连接{label}服务器（{_network_reason(reason)}）") from exc
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise ChannelError(f"{label}服务器的应答不是 JSON") from exc
    if not isinstance(answer, dict):
        raise ChannelError(f"{label}服务器的应答格式不正确")
    return answer


class _TokenAdapter:
    """Shared by 企业微信 and 钉钉: gettoken with a cached token, then one call that needs it."""

    channel: Channel
    label: str
    messages: dict[int, str] = {}

    def _app_id(self) -> str:
        raise NotImplementedError

    def _token_url(self) -> str:
        raise NotImplementedError

    def _cache_key(self) -> str:
        digest = hashlib.sha256(f"{self._token_url()}|{self._app_id()}".encode()).hexdigest()[:16]
        return f"messaging:token:{self.channel}:{digest}"

    def _error(self, answer: dict[str, Any]) -> ChannelError:
        code = int(answer.get("errcode", -1))
        text = self.messages.get(code) or str(answer.get("errmsg", ""))[:120] or "未知错误"
        return ChannelError(
            f"{self.label}返回错误 {code}：{text}",
            permanent=code not in TRANSIENT_CODES | TOKEN_INVALID_CODES,
            code=code,
        )

    def access_token(self, *, fresh: bool = False) -> str:
        key = self._cache_key()
        if not fresh:
            token = cache.get(key)
            if token:
                return str(token)
        answer = _request(self.label, self._token_url())
        if int(answer.get("errcode", 0)) != 0 or not answer.get("access_token"):
            error = self._error(answer)
            raise ChannelError(f"获取{self.label}访问令牌失败：{error.message}", permanent=error.permanent)
        token = str(answer["access_token"])
        lifetime = int(answer.get("expires_in", 7200))
        cache.set(key, token, max(lifetime - TOKEN_MARGIN_SECONDS, 60))
        return token

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST with the token; a token the server calls stale is replaced once."""
        for attempt in range(2):
            token = self.access_token(fresh=attempt > 0)
            answer = _request(
                self.label, f"{self.base_url()}{path}?access_token={urllib.parse.quote(token)}", payload=payload
            )
            code = int(answer.get("errcode", 0))
            if code in TOKEN_INVALID_CODES and attempt == 0:
                cache.delete(self._cache_key())
                continue
            if code != 0:
                raise self._error(answer)
            return answer
        raise ChannelError(f"{self.label}访问令牌刷新后仍无效")  # pragma: no cover - the loop returns or raises

    def base_url(self) -> str:
        raise NotImplementedError

    def configured(self) -> bool:
        raise NotImplementedError

    def _deliver(self, *, address: str, title: str, body: str, url: str) -> SendOutcome:
        raise NotImplementedError

    def send(self, *, address: str, title: str, body: str, url: str) -> SendOutcome:
        if not self.configured():
            return SendOutcome(ok=False, error=f"本系统未配置{self.label}", permanent=True)
        try:
            return self._deliver(address=address, title=title, body=body, url=url)
        except ChannelError as exc:
            log.warning("%s send failed: %s", self.channel, exc.message)
            return SendOutcome(ok=False, error=exc.message[:300], permanent=exc.permanent)


class WecomAdapter(_TokenAdapter):
    """企业微信 应用消息: gettoken(corpid, corpsecret), then message/send with a text card (a plain text message when
    the deployment has no public address to link to)."""

    channel = Channel.WECOM
    label = "企业微信"
    messages = {
        40013: "企业 ID（corpid）不正确",
        40001: "应用 Secret 不正确",
        40056: "应用 ID（agentid）不正确",
        60020: "服务器 IP 不在企业微信的可信 IP 名单中",
        81013: "接收人账号不存在或不在应用可见范围",
        45009: "调用过于频繁，稍后重试",
        -1: "企业微信系统繁忙，稍后重试",
    }

    def configured(self) -> bool:
        return bool(settings.DUDAO_WECOM_CORP_ID and settings.DUDAO_WECOM_SECRET and settings.DUDAO_WECOM_AGENT_ID)

    def base_url(self) -> str:
        return str(settings.DUDAO_WECOM_BASE_URL).rstrip("/")

    def _app_id(self) -> str:
        return f"{settings.DUDAO_WECOM_CORP_ID}:{settings.DUDAO_WECOM_AGENT_ID}"

    def _token_url(self) -> str:
        query = urllib.parse.urlencode(
            {"corpid": settings.DUDAO_WECOM_CORP_ID, "corpsecret": settings.DUDAO_WECOM_SECRET}
        )
        return f"{self.base_url()}/cgi-bin/gettoken?{query}"

    def _deliver(self, *, address: str, title: str, body: str, url: str) -> SendOutcome:
        link = absolute_url(url)
        payload: dict[str, Any] = {"touser": address, "agentid": int(settings.DUDAO_WECOM_AGENT_ID)}
        if link:
            payload |= {
                "msgtype": "textcard",
                "textcard": {"title": title[:128], "description": body[:512] or title, "url": link, "btntxt": "查看"},
            }
        else:
            payload |= {"msgtype": "text", "text": {"content": f"{title}\n{body}".strip()[:2000]}}
        answer = self._post("/cgi-bin/message/send", payload)
        # errcode 0 may still name the recipient as invalid (left the organisation, outside the app's range).
        if answer.get("invaliduser"):
            return SendOutcome(ok=False, error="企业微信账号无效或不在应用可见范围，请核对绑定的账号", permanent=True)
        return SendOutcome(ok=True, external_id=str(answer.get("msgid", ""))[:64])


class DingtalkAdapter(_TokenAdapter):
    """钉钉 工作通知: gettoken(appkey, appsecret), then topapi/message/corpconversation/asyncsend_v2 (an action card
    with a link, or text); the answer's task_id is kept as the external id."""

    channel = Channel.DINGTALK
    label = "钉钉"
    messages = {
        40089: "应用 AppKey 或 AppSecret 不正确",
        43004: "应用未启用或无权发送工作通知",
        33012: "接收人账号不存在",
        90018: "调用过于频繁，稍后重试",
        -1: "钉钉系统繁忙，稍后重试",
    }

    def configured(self) -> bool:
        return bool(
            settings.DUDAO_DINGTALK_APP_KEY and settings.DUDAO_DINGTALK_APP_SECRET and settings.DUDAO_DINGTALK_AGENT_ID
        )

    def base_url(self) -> str:
        return str(settings.DUDAO_DINGTALK_BASE_URL).rstrip("/")

    def _app_id(self) -> str:
        return str(settings.DUDAO_DINGTALK_APP_KEY)

    def _token_url(self) -> str:
        query = urllib.parse.urlencode(
            {"appkey": settings.DUDAO_DINGTALK_APP_KEY, "appsecret": settings.DUDAO_DINGTALK_APP_SECRET}
        )
        return f"{self.base_url()}/gettoken?{query}"

    def _deliver(self, *, address: str, title: str, body: str, url: str) -> SendOutcome:
        link = absolute_url(url)
        if link:
            msg: dict[str, Any] = {
                "msgtype": "action_card",
                "action_card": {
                    "title": title[:64],
                    "markdown": f"### {title}\n\n{body}"[:2000],
                    "single_title": "查看详情",
                    "single_url": link,
                },
            }
        else:
            msg = {"msgtype": "text", "text": {"content": f"{title}\n{body}".strip()[:2000]}}
        payload = {"agent_id": int(settings.DUDAO_DINGTALK_AGENT_ID), "userid_list": address, "msg": msg}
        answer = self._post("/topapi/message/corpconversation/asyncsend_v2", payload)
        return SendOutcome(ok=True, external_id=str(answer.get("task_id", ""))[:64])


@dataclass(frozen=True)
class StaffSms:
    """What an SMS backend reads of a message (the fields of dudao.notices.sms.SmsMessage)."""

    phone: str
    text: str
    notice_id: int | None = None
    link_id: int | None = None
    kind: str = "staff"


class SmsAdapter:
    """SMS to the person's phone through the deployment's backend (`DUDAO_SMS_BACKEND`), when
    `DUDAO_MESSAGING_SMS` switches it on for staff messages."""

    channel = Channel.SMS

    def configured(self) -> bool:
        return bool(settings.DUDAO_MESSAGING_SMS)

    def send(self, *, address: str, title: str, body: str, url: str) -> SendOutcome:
        if not self.configured():
            return SendOutcome(ok=False, error="本系统未开通短信提醒", permanent=True)
        text = f"【督导通】{title}" + (f"：{body}" if body else "")
        try:
            backend = import_string(settings.DUDAO_SMS_BACKEND)()
            results = backend.send([StaffSms(phone=address, text=text[:300])])
        except Exception as exc:  # a third-party gateway adapter may raise anything; record it, retry later
            log.exception("sms backend failed")
            return SendOutcome(ok=False, error=f"短信网关出错（{type(exc).__name__}）")
        result = results[0] if results else None
        if result is None or not getattr(result, "ok", False):
            error = str(getattr(result, "error", "") or "短信网关拒绝发送")
            return SendOutcome(ok=False, error=error[:300])
        return SendOutcome(ok=True)


ADAPTERS: dict[str, Adapter] = {
    Channel.WECOM: WecomAdapter(),
    Channel.DINGTALK: DingtalkAdapter(),
    Channel.SMS: SmsAdapter(),
}


def adapter(channel: str) -> Adapter:
    return ADAPTERS[channel]


def configured_channels() -> list[Channel]:
    return [Channel(c) for c, a in ADAPTERS.items() if a.configured()]
