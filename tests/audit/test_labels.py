"""Audit actions, object types, field names and stored codes are shown by Chinese names, never as codes."""

from __future__ import annotations

import re

import pytest

from dudao.audit import labels
from dudao.audit.labels import action_label, describe_changes, field_label, object_label

CODE = re.compile(r"\b[a-z_]{4,}\b", re.ASCII)


def test_actions_of_every_module_have_names() -> None:
    for code in ("case_list", "case_search", "announce_scheme", "health_alert_ack", "remind_t-1", "queue_send"):
        assert not CODE.search(action_label(code)), code


def test_an_unnamed_action_is_not_shown_as_its_code() -> None:
    assert action_label("brand_new_thing") == labels.UNKNOWN_ACTION


@pytest.mark.django_db
def test_object_types_are_named_by_their_models() -> None:
    assert object_label("cases.casefile") == "个案"
    assert object_label("orgs.student") == "学生"
    assert object_label("nothing.here") == labels.UNKNOWN_OBJECT


@pytest.mark.django_db
def test_field_names_and_stored_codes_are_named() -> None:
    # RectificationItem.status choices and due_date's verbose name
    lines = describe_changes(
        {"status": ["open", "closed"], "due_date": ["2026-01-01", "2026-02-01"]},
        object_type="rectification.rectificationitem",
    )
    assert lines[1] == "整改时限：2026-01-01 → 2026-02-01"
    assert all(not CODE.search(line) for line in lines), lines
    assert field_label("kind", "cases.casefile")
    # the details of an access event: how the case was read and its kind, by their labels
    details = describe_changes({"via": "search", "kind": "psych"}, is_diff=False, object_type="cases.casefile")
    assert details == ["方式：全局搜索", f"{field_label('kind', 'cases.casefile')}：心理健康"]


@pytest.mark.django_db
def test_free_text_values_are_kept_as_written() -> None:
    assert describe_changes({"name": ["五中", "第五中学 (new)"]}) == ["名称：五中 → 第五中学 (new)"]


def test_unknown_field_is_named_generically() -> None:
    assert field_label("zz_internal_flag") == labels.UNKNOWN_FIELD


@pytest.mark.django_db
def test_monitoring_figures_and_modules_are_named() -> None:
    lines = describe_changes({"indicators": ["rectification.overdue", "cases", "task_forces"]}, is_diff=False)
    assert all(not CODE.search(line) for line in lines), lines


@pytest.mark.django_db
def test_mappings_are_named_key_by_key() -> None:
    (line,) = describe_changes({"weights": {"meetings": 10, "task_forces": 5}, "scale": "small"}, is_diff=False)[:1]
    assert not CODE.search(line) and "10" in line


@pytest.mark.django_db
def test_module_counts_and_references_are_named() -> None:
    lines = describe_changes(
        {"meetings.decisions": 6, "source": "supervision.accountability", "basis": "supervision_order:2"},
        is_diff=False,
    )
    assert lines[0] == "调度会 · 议定事项：6"
    assert all(not CODE.search(line) for line in lines), lines
    assert lines[2].endswith("督办单 #2")
