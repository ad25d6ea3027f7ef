"""Home items of guards and projects for every role: the school's card, the district's count, overdue projects."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.guards.home import guards_home
from dudao.orgs.scoping import acting_assignment
from dudao.projects.home import projects_home
from dudao.projects.models import Project
from tests.guards.conftest import add_guard
from tests.projects.conftest import make, today

pytestmark = pytest.mark.django_db

ROLES = [
    "bureau_leader",
    "bureau_staff",
    "inspector",
    "district_admin",
    "principal",
    "school_staff",
    "class_teacher",
    "doctor",
    "health_officer",
    "sysadmin",
    "auditor",
]


@pytest.mark.parametrize("role", ROLES)
def test_home_page_answers_for_every_role(city, signed_in, role):
    add_guard(city, days=10)
    project = make(city, "6000")
    Project.objects.filter(pk=project.pk).update(deadline=today() - dt.timedelta(days=2))
    assert signed_in(city.user(role)).get("/", follow=True).status_code == 200
    user = city.user(role)
    titles = [
        i.title for i in guards_home(user, acting_assignment(user)) + projects_home(user, acting_assignment(user))
    ]
    if role in ("principal", "school_staff"):
        assert "本校三防卡：不达标" in titles and "维修改造项目逾期未投入使用" in titles
    if role == "district_admin":
        assert "三防卡未达绿色的学校" in titles and "保安员证已过期或 30 天内到期" in titles
    if role in ("class_teacher", "doctor", "sysadmin", "auditor", "health_officer"):
        assert titles == []
