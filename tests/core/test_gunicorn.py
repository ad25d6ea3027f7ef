"""gunicorn started the documented way (`gunicorn dudao.wsgi` in the project directory, as bench/ does) reads
gunicorn.conf.py and does not announce itself in the Server header."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_header_does_not_name_gunicorn(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DUDAO_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "dudao.settings",
        "DJANGO_SECRET_KEY": "gunicorn-test-key",
        "DUDAO_DEMO": "1",
        "DUDAO_VAR_DIR": str(tmp_path),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "dudao.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/api/v1/me")  # JSON 401: no database or static manifest needed
                response = conn.getresponse()
                response.read()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        assert response.status == 401
        assert "gunicorn" not in (response.getheader("Server") or "").lower()
    finally:
        server.terminate()
        server.wait(timeout=30)
