"""A local fake of the 企业微信 and 钉钉 server APIs (a threaded http.server on 127.0.0.1): tokens, sends, planned
error answers and expired tokens; the settings fixture points the adapters at it. No outside network."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

WECOM = {"corp": "ww-test-corp", "secret": "wecom-secret", "agent": "1000002"}
DINGTALK = {"key": "ding-test-key", "secret": "ding-secret", "agent": "2000001"}


@dataclass
class FakeApi:
    tokens_issued: dict[str, int] = field(default_factory=lambda: {"wecom": 0, "dingtalk": 0})
    valid_tokens: set[str] = field(default_factory=set)
    sends: list[dict[str, Any]] = field(default_factory=list)
    # Answers for the next sends, per channel, used in order before the default success.
    planned: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"wecom": [], "dingtalk": []})
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expire_tokens(self) -> None:
        """The server forgets every token (its 7,200 s ran out): the next send answers 42001."""
        with self.lock:
            self.valid_tokens.clear()

    def plan(self, channel: str, *answers: dict[str, Any]) -> None:
        self.planned[channel].extend(answers)

    def texts(self, channel: str) -> list[str]:
        return [json.dumps(s["body"], ensure_ascii=False) for s in self.sends if s["channel"] == channel]

    def answer(self, method: str, url: str, body: dict[str, Any] | None) -> tuple[int, dict[str, Any]]:
        parts = urlparse(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self.lock:
            if parts.path == "/cgi-bin/gettoken":
                if query.get("corpid") != WECOM["corp"] or query.get("corpsecret") != WECOM["secret"]:
                    return 200, {"errcode": 40001, "errmsg": "invalid credential"}
                return 200, self._token("wecom")
            if parts.path == "/gettoken":
                if query.get("appkey") != DINGTALK["key"] or query.get("appsecret") != DINGTALK["secret"]:
                    return 200, {"errcode": 40089, "errmsg": "不合法的appkey或appSecret"}
                return 200, self._token("dingtalk")
            channel = {
                "/cgi-bin/message/send": "wecom",
                "/topapi/message/corpconversation/asyncsend_v2": "dingtalk",
            }.get(parts.path)
            if channel is None or method != "POST":
                return 404, {"errcode": 404, "errmsg": "not found"}
            if query.get("access_token") not in self.valid_tokens:
                return 200, {"errcode": 42001, "errmsg": "access_token expired"}
            self.sends.append({"channel": channel, "body": body})
            if self.planned[channel]:
                planned = self.planned[channel].pop(0)
                if "http_status" in planned:
                    return int(planned["http_status"]), {}
                return 200, planned
            number = next(self.counter)
            if channel == "wecom":
                return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": f"msg-{number}"}
            return 200, {"errcode": 0, "errmsg": "ok", "task_id": 9000 + number, "request_id": "r"}

    def _token(self, channel: str) -> dict[str, Any]:
        self.tokens_issued[channel] += 1
        token = f"{channel}-token-{self.tokens_issued[channel]}"
        self.valid_tokens.add(token)
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}


class _Handler(BaseHTTPRequestHandler):
    api: FakeApi

    def _reply(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        status, answer = self.server.api.answer(method, self.path, body)  # type: ignore[attr-defined]
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._reply("GET")

    def do_POST(self) -> None:
        self._reply("POST")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake_api(settings: Any) -> Iterator[FakeApi]:
    api = FakeApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.api = api  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.DUDAO_WECOM_CORP_ID = WECOM["corp"]
    settings.DUDAO_WECOM_SECRET = WECOM["secret"]
    settings.DUDAO_WECOM_AGENT_ID = WECOM["agent"]
    settings.DUDAO_WECOM_BASE_URL = base
    settings.DUDAO_DINGTALK_APP_KEY = DINGTALK["key"]
    settings.DUDAO_DINGTALK_APP_SECRET = DINGTALK["secret"]
    settings.DUDAO_DINGTALK_AGENT_ID = DINGTALK["agent"]
    settings.DUDAO_DINGTALK_BASE_URL = base
    settings.DUDAO_MESSAGING_TIMEOUT = 3
    settings.DUDAO_PUBLIC_BASE_URL = "https://dudao.example.gov.cn"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def unreachable(settings: Any) -> None:
    """Both channels configured, pointing at a port nobody listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    settings.DUDAO_WECOM_CORP_ID = WECOM["corp"]
    settings.DUDAO_WECOM_SECRET = WECOM["secret"]
    settings.DUDAO_WECOM_AGENT_ID = WECOM["agent"]
    settings.DUDAO_WECOM_BASE_URL = base
    settings.DUDAO_MESSAGING_TIMEOUT = 2


def bind(user: Any, channel: str, external_id: str) -> Any:
    """A verified binding, as if the person had typed the code."""
    from django.utils import timezone

    from dudao.messaging.models import ChannelBinding

    return ChannelBinding.objects.create(
        user=user, channel=channel, external_id=external_id, verified_at=timezone.now()
    )
