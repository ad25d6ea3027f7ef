"""Lists and dashboards do not grow their query count with the number of rows."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from dudao.directives import services
from dudao.directives.models import Reminder, Submission
from dudao.orgs.services import close_unit
from tests.directives.conftest import GOOD_VALUES, city_directive
from tests.factories import City

pytestmark = pytest.mark.django_db


def test_directive_list_query_count_does_not_grow_with_rows(
    signed_in, city: City, form_version, django_assert_max_num_queries
) -> None:
    for n in range(12):
        city_directive(city, form_version, title=f"通知{n}")
    client = signed_in(city.user("principal"))
    with django_assert_max_num_queries(16):
        assert client.get("/directives/").status_code == 200


def test_submissions_list_and_approvals_page_query_counts(
    signed_in, city: City, form_version, django_assert_max_num_queries
) -> None:
    directives = [city_directive(city, form_version, approval_kinds=["district"]) for _ in range(4)]
    for directive in directives:
        for unit in (city.school_a, city.school_a2):
            services.submit(
                actor=city.user("district_admin"),
                submission=Submission.objects.get(directive=directive, unit=unit),
                values=GOOD_VALUES,
            )
    client = signed_in(city.user("district_admin"))
    with django_assert_max_num_queries(16):
        assert client.get(f"/directives/{directives[0].pk}/submissions/").status_code == 200
    with django_assert_max_num_queries(12):
        html = client.get("/directives/approvals/").content.decode()
    assert html.count("甲区第五中学</a>") == 4
    assert html.count('data-testid="approval-group"') == 4
    # The home page gathers every app's items (health, duty, notices, cases, the command layer's seven apps, the
    # school-safety, calendar and personnel apps, warnings, partners, guards, projects, bullying, training, ethics,
    # integrity and returns … one to four queries each); what matters is that the count does not grow with the
    # number of directives.
    with django_assert_max_num_queries(80):
        # The to-do list (a district admin's home is the cockpit; its query count has its own test there).
        assert "待审核的报送" in client.get("/?view=todos").content.decode()


def test_unit_with_reports_in_progress_cannot_be_closed(city: City, form_version) -> None:
    from dudao.core.errors import DomainError

    directive = city_directive(city, form_version)
    services.save_draft(
        actor=city.user("district_admin"),
        submission=Submission.objects.get(directive=directive, unit=city.school_a2),
        values={"staff": 1},
        version=None,
    )
    with pytest.raises(DomainError) as exc:
        close_unit(
            actor=city.user("district_admin"), unit=city.school_a2, reason="合并", version=city.school_a2.version
        )
    assert exc.value.code == "unit_has_open_work"
    assert "进行中的报送" in exc.value.message


def test_reminder_command_sends_due_reminders_and_overdue_digest(city: City, form_version) -> None:
    from tests.directives.conftest import in_days

    city_directive(city, form_version, deadline=in_days(0.2))
    overdue = city_directive(city, form_version, title="逾期的通知")
    overdue.periods.update(deadline=in_days(-2))
    call_command("directive_reminders", verbosity=0)
    assert Reminder.objects.filter(kind="due").count() + Reminder.objects.filter(kind="t-1").count() == 3
    digest = Reminder.objects.get(kind="digest", unit=city.school_a)
    assert "逾期的通知" in digest.message


def test_overdue_digest_is_sent_once_a_day(city: City, form_version) -> None:
    from tests.directives.conftest import in_days

    city_directive(city, form_version).periods.update(deadline=in_days(-1))
    assert services.send_overdue_digest() == 3
    assert services.send_overdue_digest() == 0
