"""督办单 in a real browser: the director issues one from a cockpit cell (the new-order page pre-filled from the
first district and its overdue-items figure), the district admin signs and answers it, the director closes it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from dudao.orgs.models import OrgUnit, UnitKind
from dudao.supervision.models import OrderStatus, SupervisionOrder
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_director_issues_from_a_cockpit_cell_district_answers_director_closes(page: Page, demo_site) -> None:
    base = demo_site.url
    district = OrgUnit.objects.filter(kind=UnitKind.DISTRICT).order_by("path").first()
    assert district is not None
    before = SupervisionOrder.objects.count()

    # 1. The director opens 督办 from the district's "逾期未销号问题" cell: subject, target and facts are filled in.
    sign_in(page, base, "city.director")
    page.goto(f"{base}/supervision/new/?unit={district.pk}&indicator=rectification.overdue")
    expect(page.get_by_label("督办事项")).to_have_value(f"关于{district.name}“逾期未销号问题”情况的督办")
    expect(page.get_by_label("承办单位")).to_have_value(str(district.pk))
    facts = page.locator("input[name=facts]:checked").count()
    assert facts > 0
    page.get_by_role("button", name="下达").click()
    expect(page.locator(".alert-success")).to_contain_text("已下达督办〔")
    expect(page.get_by_test_id("status")).to_have_text("已下达")
    expect(page.get_by_test_id("facts").locator("li")).to_have_count(facts)
    order = SupervisionOrder.objects.order_by("-id").first()
    assert order is not None and SupervisionOrder.objects.count() == before + 1

    # 2. The district admin finds it among the home page's to-dos, signs it and answers.
    page.context.clear_cookies()
    sign_in(page, base, "district.admin")
    page.get_by_role("link", name="待办理的督办单").first.click()
    page.get_by_role("link", name=order.subject).click()
    page.get_by_role("button", name="签收").click()
    expect(page.get_by_test_id("status")).to_have_text("已签收")
    page.get_by_label("办理情况").fill("已召开整改推进会，逐校明确责任人，所列问题本周内全部销号。")
    page.get_by_role("button", name="提交反馈").click()
    expect(page.locator(".alert-success")).to_contain_text("已反馈办理情况")
    expect(page.get_by_test_id("status")).to_have_text("已反馈")

    # 3. The director reads the answer and closes the order; the printable form carries the answer.
    page.context.clear_cookies()
    sign_in(page, base, "city.director")
    page.goto(f"{base}/supervision/{order.pk}/")
    expect(page.get_by_test_id("steps")).to_contain_text("已召开整改推进会")
    page.get_by_role("button", name="办结").click()
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    page.goto(f"{base}/supervision/{order.pk}/print/")
    expect(page.get_by_test_id("officialdoc")).to_contain_text("办理情况反馈")
