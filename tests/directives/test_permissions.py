"""Every page and API endpoint of directives × every role: allowed, refused, or out of scope.

Cells: 200 allowed · 403 refused for the role · 404 object outside the role's subtree.
Objects: a city directive to all schools (`dir`), a directive of 乙区 to its school (`dir_b`),
the city directive's reports of 五中 (`sub_a`, 甲区) and 乙区第一小学 (`sub_b`).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dudao.accounts import services as accounts
from dudao.directives import services
from dudao.directives.models import Submission
from tests.directives.conftest import city_directive, in_days
from tests.factories import City
from tests.test_permission_matrix import ROLES

pytestmark = pytest.mark.django_db

PAGES = {
    "list": "/directives/",
    "create": "/directives/new/",
    "dir": "/directives/{dir}/",
    "dir_b": "/directives/{dir_b}/",
    "submissions": "/directives/{dir}/submissions/",
    "aggregate": "/directives/{dir}/aggregate/",
    "export": "/directives/{dir}/export.xlsx",
    "sub_a": "/submissions/{sub_a}/",
    "sub_b": "/submissions/{sub_b}/",
    "forms": "/forms/",
    "approvals": "/directives/approvals/",
    "api_list": "/api/v1/directives",
    "api_dir_b": "/api/v1/directives/{dir_b}",
    "api_complete": "/api/v1/directives/{dir}/completeness",
    "api_subs": "/api/v1/submissions",
    "api_sub_a": "/api/v1/submissions/{sub_a}",
    "api_sub_b": "/api/v1/submissions/{sub_b}",
    "api_forms": "/api/v1/forms",
}

A, F, N = 200, 403, 404
EXPECTED: dict[str, list[int]] = {
    #                  list new dir dirB subs agg exp subA subB forms appr aList aDirB aComp aSubs aSubA aSubB aForms
    "bureau_leader": [A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A],
    "bureau_staff": [A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A],
    "inspector": [A, F, A, A, A, A, A, A, A, A, F, A, A, A, A, A, A, A],
    "district_admin": [A, A, A, N, A, A, A, A, N, A, A, A, N, A, A, A, N, A],
    "principal": [A, F, A, N, A, A, A, A, N, A, A, A, N, A, A, A, N, A],
    "school_staff": [A, F, A, N, A, A, A, A, N, A, F, A, N, A, A, A, N, A],
    "class_teacher": [A, F, A, N, F, F, F, F, F, F, F, A, N, F, F, F, F, F],
    "counsellor": [A, F, A, N, F, F, F, F, F, F, F, A, N, F, F, F, F, F],
    "doctor": [A, F, A, N, F, F, F, F, F, F, F, A, N, F, F, F, F, F],
    "sysadmin": [F] * 18,
    "security_officer": [F] * 18,
    "auditor": [F] * 18,
    "nobody": [F] * 18,
}
CASES = [(role, page, EXPECTED[role][i]) for role in ROLES for i, page in enumerate(PAGES)]


@pytest.fixture
def objects(city: City, form_version) -> dict[str, Any]:
    directive = city_directive(city, form_version)
    dir_b = services.create_directive(
        actor=city.user("district_admin_b"),
        title="乙区通知",
        deadline=in_days(3),
        targets={"mode": "kind", "kind": "school"},
        form_version=form_version,
        issue=True,
    )
    return {
        "dir": directive.pk,
        "dir_b": dir_b.pk,
        "sub_a": Submission.objects.get(directive=directive, unit=city.school_a).pk,
        "sub_b": Submission.objects.get(directive=directive, unit=city.school_b).pk,
    }


@pytest.mark.parametrize(("role", "page", "expected"), CASES, ids=[f"{r}-{p}" for r, p, _ in CASES])
def test_browser_access(signed_in, city: City, objects, role: str, page: str, expected: int) -> None:
    response = signed_in(city.user(role)).get(PAGES[page].format(**objects))
    assert response.status_code == expected, response.content.decode()[:300]


API_CASES = [c for c in CASES if c[1].startswith("api_")]


@pytest.mark.parametrize(("role", "page", "expected"), API_CASES, ids=[f"{r}-{p}" for r, p, _ in API_CASES])
def test_api_token_access(client: Client, city: City, objects, role: str, page: str, expected: int) -> None:
    _, plain = accounts.create_token(actor=city.user(role), name="matrix")
    response = client.get(PAGES[page].format(**objects), HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == expected
    if expected != 200:
        assert set(response.json()) >= {"detail", "code"}


@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_is_sent_to_login_or_401(client: Client, objects, page: str) -> None:
    response = client.get(PAGES[page].format(**objects))
    if page.startswith("api_"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# name → (url, data, roles whose post changes something)
WRITES: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    "submit_a": (
        "/submissions/{sub_a}/submit/",
        {"f.staff": "10", "f.psych_full": "1"},
        {"district_admin", "principal", "school_staff", "bureau_staff"},
    ),
    "submit_b": ("/submissions/{sub_b}/submit/", {"f.staff": "10", "f.psych_full": "1"}, {"bureau_staff"}),
    "remind": ("/directives/{dir}/remind/", {}, {"bureau_leader", "bureau_staff"}),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_writes_change_state_only_for_allowed_roles(signed_in, city: City, objects, write: str, role: str) -> None:
    from dudao.directives.models import Reminder

    url, data, allowed = WRITES[write]
    signed_in(city.user(role)).post(url.format(**objects), data)
    changed = (
        Reminder.objects.exists()
        if write == "remind"
        else Submission.objects.get(pk=objects[write.replace("submit", "sub")]).status == "submitted"
    )
    assert changed == (role in allowed)


# The life cycle's pages, on a city draft (`draft`): only the issuer's side edits, previews and issues it; the
# units it would go to do not even see it (404) until it is issued.
DRAFT_PAGES = {
    "draft": "/directives/{draft}/",
    "edit": "/directives/{draft}/edit/",
    "preview": "/directives/{draft}/preview/",
    "api_draft": "/api/v1/directives/{draft}",
    "api_preview": "/api/v1/directives/{draft}/preview",
}
DRAFT_EXPECTED: dict[str, list[int]] = {
    #                  draft edit preview aDraft aPreview
    "bureau_leader": [A, A, A, A, A],
    "bureau_staff": [A, A, A, A, A],
    "inspector": [A, F, F, A, F],
    "district_admin": [N, N, N, N, N],
    "principal": [N, F, F, N, F],
    "school_staff": [N, F, F, N, F],
    "class_teacher": [N, F, F, N, F],
    "counsellor": [N, F, F, N, F],
    "doctor": [N, F, F, N, F],
    "sysadmin": [F] * 5,
    "security_officer": [F] * 5,
    "auditor": [F] * 5,
    "nobody": [F] * 5,
}
DRAFT_CASES = [(role, page, DRAFT_EXPECTED[role][i]) for role in ROLES for i, page in enumerate(DRAFT_PAGES)]


@pytest.fixture
def draft(city: City, form_version) -> dict[str, Any]:
    return {"draft": city_directive(city, form_version, issue=False).pk}


@pytest.mark.parametrize(("role", "page", "expected"), DRAFT_CASES, ids=[f"{r}-{p}" for r, p, _ in DRAFT_CASES])
def test_draft_pages_by_role(client: Client, city: City, draft, role: str, page: str, expected: int) -> None:
    url = DRAFT_PAGES[page].format(**draft)
    if page.startswith("api_"):
        _, plain = accounts.create_token(actor=city.user(role), name="matrix")
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {plain}")
    else:
        client.force_login(city.user(role))
        response = client.get(url)
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_life_cycle_writes_change_state_only_for_the_issuer_side(signed_in, city: City, objects, draft, role) -> None:
    from dudao.directives.models import Directive, DirectiveStatus

    client = signed_in(city.user(role))
    client.post(f"/directives/{draft['draft']}/issue/", {"doc_prefix": ""})
    client.post(f"/directives/{objects['dir']}/withdraw/", {"reason": "测试撤回"})
    issued = Directive.objects.get(pk=draft["draft"]).status == DirectiveStatus.ISSUED
    withdrawn = Directive.objects.get(pk=objects["dir"]).status == DirectiveStatus.WITHDRAWN
    allowed = role in {"bureau_leader", "bureau_staff"}
    assert issued == allowed and withdrawn == allowed
