"""The approvals queue: grouped by directive, filtered, paged, batch approval; the submission page's 审核下一份,
待审核 instead of 已完成, and no 撤回报送 for the reviewer."""

from __future__ import annotations

import pytest

from dudao.directives import services
from dudao.directives.models import Directive, Submission, SubmissionStatus
from tests.directives.conftest import GOOD_VALUES, city_directive
from tests.factories import City

pytestmark = pytest.mark.django_db


def submitted_reports(city: City, form_version, count: int = 2) -> list[Directive]:
    """`count` city directives to the three schools, every school's report submitted."""
    directives = []
    for n in range(count):
        directive = city_directive(city, form_version, title=f"第{n + 1}份通知")
        for submission in Submission.objects.filter(directive=directive).order_by("unit__path"):
            services.submit(actor=city.user("bureau_staff"), submission=submission, values=GOOD_VALUES)
        directives.append(directive)
    return directives


def test_queue_is_grouped_by_directive(signed_in, city: City, form_version) -> None:
    submitted_reports(city, form_version)
    html = signed_in(city.user("bureau_staff")).get("/directives/approvals/").content.decode()
    assert html.count('data-testid="approval-group"') == 2
    assert html.count('data-testid="approval-row"') == 6
    assert "共 6 份等待本单位审核" in html


def test_queue_filters_by_directive_and_unit(signed_in, city: City, form_version) -> None:
    first, _ = submitted_reports(city, form_version)
    client = signed_in(city.user("bureau_staff"))
    one = client.get(f"/directives/approvals/?directive={first.pk}").content.decode()
    assert one.count('data-testid="approval-row"') == 3 and "筛选出 3 份" in one
    unit = client.get("/directives/approvals/?q=乙区").content.decode()
    assert unit.count('data-testid="approval-row"') == 2
    none = client.get("/directives/approvals/?q=不存在的学校").content.decode()
    assert "没有符合筛选条件的报送" in none


def test_queue_pages(signed_in, city: City, form_version, monkeypatch) -> None:
    from dudao.directives import views

    monkeypatch.setattr(views, "APPROVALS_PAGE_SIZE", 4)
    submitted_reports(city, form_version)
    client = signed_in(city.user("bureau_staff"))
    first = client.get("/directives/approvals/").content.decode()
    second = client.get("/directives/approvals/?page=2").content.decode()
    assert first.count('data-testid="approval-row"') == 4 and second.count('data-testid="approval-row"') == 2
    assert "第 2/2 页" in second
    # A page past the end shows the last one, not an empty list.
    assert client.get("/directives/approvals/?page=9").content.decode().count('data-testid="approval-row"') == 2


def test_batch_approval_approves_the_chosen_and_names_the_refused(signed_in, city: City, form_version) -> None:
    directive, other = submitted_reports(city, form_version)
    chosen = list(Submission.objects.filter(directive=directive))
    client = signed_in(city.user("bureau_staff"))
    response = client.post(
        "/directives/approvals/approve/",
        {"submission": [s.pk for s in chosen], "next": "/directives/approvals/?directive=1"},
        follow=True,
    )
    assert "已审核通过 3 份报送" in response.content.decode()
    assert response.redirect_chain[-1][0] == "/directives/approvals/?directive=1"
    assert Submission.objects.filter(directive=directive, status=SubmissionStatus.APPROVED).count() == 3
    assert not Submission.objects.filter(directive=other, status=SubmissionStatus.APPROVED).exists()


def test_batch_approval_with_nothing_chosen_says_so(signed_in, city: City, form_version) -> None:
    submitted_reports(city, form_version, count=1)
    response = signed_in(city.user("bureau_staff")).post("/directives/approvals/approve/", {}, follow=True)
    assert "请先勾选要审核的报送" in response.content.decode()
    assert not Submission.objects.filter(status=SubmissionStatus.APPROVED).exists()


def test_batch_approval_never_redirects_off_site(signed_in, city: City, form_version) -> None:
    submitted_reports(city, form_version, count=1)
    response = signed_in(city.user("bureau_staff")).post(
        "/directives/approvals/approve/", {"next": "https://evil.example/directives/approvals/"}
    )
    assert response["Location"] == "/directives/approvals/"


def test_batch_approval_out_of_scope_reports_are_ignored(signed_in, city: City, form_version) -> None:
    directive = city_directive(city, form_version, approval_kinds=["district"])
    report_b = Submission.objects.get(directive=directive, unit=city.school_b)
    services.submit(actor=city.user("bureau_staff"), submission=report_b, values=GOOD_VALUES)
    client = signed_in(city.user("district_admin"))  # 甲区: 乙区's school is outside its subtree
    response = client.post("/directives/approvals/approve/", {"submission": [report_b.pk]}, follow=True)
    assert "请先勾选要审核的报送" in response.content.decode()
    report_b.refresh_from_db()
    assert report_b.approved_levels == 0


@pytest.mark.parametrize(("role", "expected"), [("bureau_staff", 200), ("principal", 200), ("class_teacher", 403)])
def test_queue_by_role(signed_in, city: City, role: str, expected: int) -> None:
    assert signed_in(city.user(role)).get("/directives/approvals/").status_code == expected
    if expected == 403:
        assert signed_in(city.user(role)).post("/directives/approvals/approve/", {}).status_code == 403


def test_approve_and_review_next_goes_to_the_next_report(signed_in, city: City, form_version) -> None:
    (directive,) = submitted_reports(city, form_version, count=1)
    first, second, _ = Submission.objects.filter(directive=directive).order_by("unit__path")
    client = signed_in(city.user("bureau_staff"))
    page = client.get(f"/submissions/{first.pk}/").content.decode()
    assert "通过并审核下一份" in page
    response = client.post(f"/submissions/{first.pk}/approve/", {"then": "next"})
    assert response["Location"] == f"/submissions/{second.pk}/"
    # After a plain decision the page offers 审核下一份.
    client.post(f"/submissions/{second.pk}/approve/")
    after = client.get(f"/submissions/{second.pk}/").content.decode()
    assert 'data-testid="next-review"' in after and "还有 1 份" in after


def test_submitted_report_shows_awaiting_not_done(signed_in, city: City, form_version) -> None:
    (directive,) = submitted_reports(city, form_version, count=1)
    report = Submission.objects.get(directive=directive, unit=city.school_a)
    school = signed_in(city.user("principal"))
    page = school.get(f"/submissions/{report.pk}/").content.decode()
    assert 'data-light="awaiting"' in page and "✓ 已完成" not in page
    listing = school.get("/directives/?mine=1").content.decode()
    assert 'data-light="awaiting"' in listing and "✓ 已完成" not in listing
    services.approve(actor=city.user("bureau_staff"), submission=report)
    assert 'data-light="done"' in school.get(f"/submissions/{report.pk}/").content.decode()


def test_reviewer_does_not_see_the_submitters_withdraw(signed_in, city: City, form_version) -> None:
    (directive,) = submitted_reports(city, form_version, count=1)
    report = Submission.objects.get(directive=directive, unit=city.school_a)
    assert "撤回报送" not in signed_in(city.user("bureau_staff")).get(f"/submissions/{report.pk}/").content.decode()
    assert "撤回报送" in signed_in(city.user("principal")).get(f"/submissions/{report.pk}/").content.decode()


def test_rule_builder_uses_pickers_and_shows_labels(signed_in, city: City, form_version) -> None:
    form = form_version.form
    client = signed_in(city.user("bureau_staff"))
    client.post(
        f"/forms/{form.pk}/rules/",
        {"left": "psych_part", "op": "<=", "right": "staff", "number": "", "version": form.version},
    )
    form.refresh_from_db()
    assert form.draft_schema["rules"][-1] == {"left": "psych_part", "op": "<=", "right": "staff"}
    page = client.get(f"/forms/{form.pk}/").content.decode()
    assert "“兼职心理教师数” 不大于 “教职工数”" in page
    assert "psych_part &lt;= staff" not in page and "psych_full &lt;= staff" not in page


def test_rule_picker_with_a_bad_number_changes_nothing(signed_in, city: City, form_version) -> None:
    form = form_version.form
    client = signed_in(city.user("bureau_staff"))
    response = client.post(
        f"/forms/{form.pk}/rules/",
        {"left": "staff", "op": ">=", "right": "", "number": "十", "version": form.version},
        follow=True,
    )
    assert "不是数字" in response.content.decode()
    form.refresh_from_db()
    assert len(form.draft_schema["rules"]) == 1
