"""The meetings demo step: tomorrow's meeting opens with last week's decisions at every state."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from dudao.directives.models import DirectiveStatus
from dudao.meetings import selectors
from dudao.meetings.models import Meeting, TaskForce
from dudao.meetings.selectors import State

pytestmark = pytest.mark.django_db


def test_demo_meetings_show_every_state_on_the_demo_clock(db: None) -> None:
    call_command("demo", "--scale", "small", "--seed", "7", verbosity=0)
    today = timezone.localdate()
    task_force = TaskForce.objects.get()
    assert task_force.members.filter(duty="lead", person__username="city.director").exists()
    held, upcoming = Meeting.objects.order_by("starts_at")
    assert timezone.localtime(held.starts_at).date() < today < timezone.localtime(upcoming.starts_at).date()
    review = selectors.review(upcoming)
    assert review.previous == held and review.on == today
    assert {state: review.count(state) for state in State} == {
        State.DONE_ON_TIME: 1,
        State.DONE_LATE: 1,
        State.PENDING: 2,
        State.OVERDUE: 2,
    }
    directive = held.decisions.get(kind="directive").directive
    assert directive is not None and directive.status == DirectiveStatus.DRAFT
    # The district admin's home shows the district's overdue task in red.
    from dudao.accounts.models import User
    from dudao.core.home import collect

    admin = User.objects.get(username="district.admin")
    items = {i.title: i for i in collect(admin, admin.assignments.first())}
    assert items["调度会交办事项待落实"].level == "danger"
