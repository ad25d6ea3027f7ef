"""The production variables documented in README's 部署要点: `check --deploy` is clean under them, and they
make the app behave as documented behind an HTTPS reverse proxy."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from dudao.core.crypto import new_key_text
from tests.factories import PASSWORD, City

ROOT = Path(__file__).resolve().parents[2]
HOST = "dudao.example.gov.cn"
SECURITY_SETTINGS = [
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
]


def documented_env() -> dict[str, str]:
    """The `NAME=value` lines of README's production block; placeholders (<…>) get real throwaway secrets."""
    readme = (ROOT / "README.md").read_text()
    block = next(b for b in re.findall(r"```sh\n(.*?)```", readme, re.S) if "DUDAO_HSTS_SECONDS=" in b)
    env = dict(line.split("=", 1) for line in block.strip().splitlines())
    secrets = {"DJANGO_SECRET_KEY": "k7Qp-" + os.urandom(40).hex(), "DUDAO_CASE_KEYS": new_key_text()}
    return {name: secrets[name] if value.startswith("<") else value for name, value in env.items()}


def production_process_env(tmp_path: Path) -> dict[str, str]:
    """This process's environment without anything dudao, Django or the test run set, plus the documented block."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DUDAO_", "DJANGO_", "PYTEST_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    return {**base, **documented_env(), "DJANGO_SETTINGS_MODULE": "dudao.settings", "DUDAO_VAR_DIR": str(tmp_path)}


def test_readme_documents_every_https_variable() -> None:
    env = documented_env()
    for name in ("DUDAO_CSRF_TRUSTED_ORIGINS", "DUDAO_PROXY_SSL_HEADER", "DUDAO_SSL_REDIRECT", "DUDAO_HSTS_SECONDS"):
        assert name in env


def test_check_deploy_prints_no_warnings_with_the_documented_variables(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_process_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output and "WARNING" not in output, output


def documented_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    for name in [k for k in os.environ if k.startswith("DUDAO_")]:
        monkeypatch.delenv(name)
    for name, value in production_process_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    evaluated = runpy.run_path(str(ROOT / "dudao" / "settings.py"))
    return {name: evaluated[name] for name in SECURITY_SETTINGS}


@pytest.fixture
def behind_https_proxy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    with override_settings(**documented_settings(monkeypatch, tmp_path)):
        yield


def test_plain_http_is_redirected_to_https(behind_https_proxy: None, city: City) -> None:
    response = Client().get("/accounts/login/", HTTP_HOST=HOST)
    assert response.status_code == 301 and response["Location"] == f"https://{HOST}/accounts/login/"


def test_https_through_the_proxy_gets_hsts(behind_https_proxy: None, city: City) -> None:
    response = Client().get("/accounts/login/", HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_a_form_posted_through_the_https_proxy_passes_csrf(behind_https_proxy: None, city: City) -> None:
    browser = Client(enforce_csrf_checks=True)
    https: dict[str, Any] = {"HTTP_HOST": HOST, "HTTP_X_FORWARDED_PROTO": "https", "REMOTE_ADDR": "127.0.0.1"}
    page = browser.get("/accounts/login/", **https)
    assert page.cookies["csrftoken"]["secure"] and page.cookies["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None
    response = browser.post(
        "/accounts/login/",
        {"username": "principal", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        HTTP_ORIGIN=f"https://{HOST}",
        HTTP_X_FORWARDED_FOR="10.0.0.5",
        **https,
    )
    assert response.status_code == 302, response.content.decode()[:300]
    assert response.cookies["sessionid"]["secure"]
