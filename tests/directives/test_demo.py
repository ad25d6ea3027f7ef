"""The small demo holds the three directives the issue asks for."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from dudao.directives import selectors
from dudao.directives.models import Directive, Form, Submission, SubmissionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: None) -> None:
    call_command("demo", "--scale", "small", verbosity=0)


def test_demo_ships_the_ten_form_templates(demo: None) -> None:
    names = set(Form.objects.filter(is_template=True).values_list("name", flat=True))
    assert len(names) == 10 and {"示范点名单报送", "维修工程（1万元以上）报备", "防疫物资储备情况"} <= names


def test_demo_model_school_list_is_cascaded_with_submitted_returned_and_missing(demo: None) -> None:
    parent = Directive.objects.get(title__contains="示范点名单", parent=None)
    cascades = list(parent.cascades.all())
    assert len(cascades) == 2 and all(c.deadline <= parent.deadline for c in cascades)
    statuses = list(Submission.objects.filter(directive__parent=parent).values_list("status", flat=True))
    assert statuses.count(SubmissionStatus.RETURNED) == 1
    assert statuses.count(SubmissionStatus.SUBMITTED) > 5 and statuses.count(SubmissionStatus.PENDING) > 5


def test_demo_weekly_drowning_report_has_history(demo: None) -> None:
    weekly = Directive.objects.get(title__contains="防溺水")
    past = [p for p in weekly.periods.order_by("index") if selectors.completeness(p)[0].submitted]
    assert len(past) >= 4


def test_demo_opening_plans_are_at_every_approval_stage(demo: None) -> None:
    opening = Directive.objects.get(title__contains="开学工作方案")
    stages = set(Submission.objects.filter(directive=opening).values_list("status", "approved_levels"))
    assert {("submitted", 0), ("submitted", 1), ("submitted", 2), ("approved", 3)} <= stages
