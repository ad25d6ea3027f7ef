"""The cockpit's summary settings are declared in settings.py and read from the environment."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

import dudao

SETTINGS = Path(dudao.__file__).parent / "settings.py"


def test_summary_settings_default_to_sixty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUDAO_SUMMARY_MAX_AGE_MINUTES", raising=False)
    monkeypatch.delenv("DUDAO_SUMMARY_DEBOUNCE_SECONDS", raising=False)
    values = runpy.run_path(str(SETTINGS))
    assert values["DUDAO_SUMMARY_MAX_AGE_MINUTES"] == 60
    assert values["DUDAO_SUMMARY_DEBOUNCE_SECONDS"] == 60


def test_summary_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUDAO_SUMMARY_MAX_AGE_MINUTES", "15")
    monkeypatch.setenv("DUDAO_SUMMARY_DEBOUNCE_SECONDS", "5")
    values = runpy.run_path(str(SETTINGS))
    assert values["DUDAO_SUMMARY_MAX_AGE_MINUTES"] == 15
    assert values["DUDAO_SUMMARY_DEBOUNCE_SECONDS"] == 5
