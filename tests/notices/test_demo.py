"""The demo's notices: the civilised-city letter at 70–99 % per class and the summer drowning reminder."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from dudao.accounts.models import User
from dudao.notices import selectors
from dudao.notices.models import Notice, ReminderPlan
from dudao.orgs.models import OrgUnit, Student

pytestmark = pytest.mark.django_db


def test_demo_letter_rates_and_reminder(client: Client) -> None:
    call_command("demo", "--scale", "small", "--seed", "7", verbosity=0)
    letter = Notice.objects.get(title__startswith="创建全国文明城市")
    root = OrgUnit.objects.get(depth=1)
    whole = selectors.rates(letter, root)
    assert whole.total == Student.objects.filter(status="enrolled").count()
    for school in OrgUnit.objects.filter(kind="school")[:10]:
        for grade in selectors.rates(letter, school).rows:
            for klass in grade.children:
                assert 70.0 <= klass.rate <= 99.0
    drowning = Notice.objects.get(title__endswith="（留守儿童家长）")
    assert drowning.receipts.count() == Student.objects.filter(is_left_behind=True, status="enrolled").count()
    plan = ReminderPlan.objects.get(notice=drowning)
    assert plan.flags == ["is_left_behind"] and (plan.until.month, plan.until.day) in {(8, 31), (2, 25)}
    # The demo teacher sees the class's non-readers; the principal and the district the rates.
    teacher = User.objects.get(username="school.teacher")
    klass = teacher.assignments.get(role="class_teacher").unit
    client.force_login(teacher)
    page = client.get(f"/notices/{letter.pk}/classes/{klass.pk}/")
    assert page.status_code == 200 and "电话已确认" in page.content.decode()
    for username in ("school.principal", "district.admin", "city.admin"):
        client.force_login(User.objects.get(username=username))
        assert 'data-testid="rate"' in client.get(f"/notices/{letter.pk}/").content.decode()


def test_holiday_letter_agrees_with_the_demo_clock() -> None:
    import datetime as dt

    from dudao.notices.demo import _holiday_letter

    title, _, start, end = _holiday_letter(dt.date(2026, 12, 7))
    assert title.startswith("寒假") and (start, end) == (dt.date(2027, 1, 20), dt.date(2027, 2, 25))
    title, _, start, end = _holiday_letter(dt.date(2026, 7, 10))
    assert title.startswith("暑期防溺水") and (start, end) == (dt.date(2026, 7, 10), dt.date(2026, 8, 31))
    title, _, start, _ = _holiday_letter(dt.date(2027, 3, 5))
    assert title.startswith("寒假") and start == dt.date(2028, 1, 20)
