"""气象预警: the district's health officer opens a red rainstorm warning entered for her district, checks the schools
dudao proposes from the risk tags, dispatches once, and watches acknowledgements arrive by the hour as schools
签收 (the panel refreshes itself); then the same page on a 390 px phone. Also the tag page and the picker's 按标签."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from dudao.accounts.models import User
from dudao.directives import services as directive_services
from dudao.directives.models import DirectiveTarget
from dudao.orgs.models import OrgUnit, RoleAssignment
from dudao.warnings import services
from dudao.warnings.models import WeatherWarning
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "docs/screenshots"


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def test_health_officer_dispatches_a_warning_and_sees_acknowledgements_arrive(page: Page, demo_site, open_menu):
    officer = User.objects.get(username="district.health")
    district = RoleAssignment.objects.get(user=officer).unit
    now = timezone.now()
    warning = services.create_warning(
        actor=officer,
        data=services.WarningIn(
            kind="rainstorm",
            level="red",
            starts_at=now,
            ends_at=now + dt.timedelta(hours=12),
            area=[district.pk],
            issuer="市气象台",
            content="预计 3 小时内降雨量将达 100 毫米以上。",
        ),
    )
    proposed = warning.schools.count()
    assert proposed > 0

    base = demo_site.url
    sign_in(page, base, "district.health")
    open_menu("安全值守", "气象预警")
    expect(page.get_by_role("heading", name="气象与突发事件预警")).to_be_visible()
    page.get_by_test_id("warnings").get_by_role("link", name=re.compile("暴雨红色预警")).first.click()
    expect(page.get_by_test_id("affected").locator("li")).to_have_count(proposed)
    expect(page.get_by_test_id("affected")).to_contain_text("地势低洼")
    page.screenshot(path=f"{SHOTS}/warnings-01-proposed.png", full_page=True)
    page.get_by_test_id("dispatch").click()
    expect(page.locator(".alert-success").first).to_contain_text(f"已向 {proposed} 所学校下发暴雨红色预警")
    expect(page.get_by_test_id("ack-count")).to_have_text(f"0/{proposed}")

    # The first school's principal acknowledges; the panel refreshes itself (htmx, every 20 s).
    warning.refresh_from_db()
    target = DirectiveTarget.objects.filter(directive=warning.directive).order_by("unit__path").first()
    assert target is not None
    holder = RoleAssignment.objects.filter(unit=target.unit, role="principal").first()
    assert holder is not None
    principal = User.objects.get(pk=holder.user_id)
    directive_services.acknowledge(actor=principal, target=target)
    expect(page.get_by_test_id("ack-count")).to_have_text(f"1/{proposed}", timeout=45_000)
    expect(page.get_by_test_id("ack-hour").first).to_contain_text("1 所（累计 1）")
    expect(page.get_by_test_id("ack-missing")).not_to_contain_text(OrgUnit.objects.get(pk=target.unit_id).name)
    page.screenshot(path=f"{SHOTS}/warnings-02-acknowledgements.png", full_page=True)

    # A second dispatch (the form again, e.g. from another tab) changes nothing.
    assert services.dispatch_warning(actor=officer, warning=warning).is_new is False
    assert WeatherWarning.objects.get(pk=warning.pk).directive_id == warning.directive_id

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_test_id("ack-count")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.screenshot(path=f"{SHOTS}/warnings-03-acknowledgements-phone.png", full_page=True)


def test_district_admin_sees_tag_counts_and_picks_schools_by_tag(page: Page, demo_site, open_menu):
    base = demo_site.url
    sign_in(page, base, "district.admin")
    open_menu("安全值守", "风险标签")
    expect(page.get_by_test_id("tags")).to_contain_text("地势低洼")
    page.screenshot(path=f"{SHOTS}/warnings-04-tags.png", full_page=True)
    page.get_by_test_id("tags").get_by_role("link", name="地势低洼").click()
    tagged = page.get_by_test_id("tagged-count").inner_text()
    picker = page.get_by_test_id("unit-picker-units")
    picker.get_by_test_id("picker-tag").filter(has_text="河流沿岸").click()
    picker.get_by_test_id("picker-pick-all").click()
    expect(picker.locator("[data-upk-count]")).not_to_have_text("已选 0 项")
    page.get_by_test_id("tag-add").click()
    expect(page.locator(".alert-success")).to_contain_text("已为")
    assert int(page.get_by_test_id("tagged-count").inner_text()) >= int(tagged)
