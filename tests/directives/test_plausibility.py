"""Reported-number plausibility (数据异常提示): the statistics, flags on submit, the approver's 已核实, the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError
from dudao.core.indicators import get as get_indicator
from dudao.directives import plausibility, services
from dudao.directives.models import Directive, FormVersion, Submission, SubmissionStatus, ValueFlag
from dudao.orgs.models import OrgUnit
from tests.directives.conftest import in_days
from tests.factories import City, unit

SCHEMA: dict[str, Any] = {
    "fields": [
        {"key": "staff", "label": "教职工数", "type": "integer", "required": True, "min": 0, "unit": "人"},
        {"key": "pupils", "label": "在校学生数", "type": "integer", "min": 0, "unit": "人", "max_ref": "enrolled"},
        {"key": "rooms", "label": "功能室数", "type": "integer", "unit": "间"},
        {"key": "change", "label": "比上期增减人数", "type": "integer", "unit": "人"},
    ]
}


@pytest.fixture
def version(city: City) -> FormVersion:
    form = services.create_form(actor=city.user("bureau_staff"), name="学校基本情况周报", schema=SCHEMA)
    return services.publish_form(actor=city.user("bureau_staff"), form=form)


def weekly(city: City, version: FormVersion, **extra: Any) -> Directive:
    """A weekly report to the schools: five past rounds and the current one."""
    return services.create_directive(
        actor=city.user("bureau_staff"),
        title="学校基本情况周报",
        deadline=in_days(-29),
        recurrence="weekly",
        repeat_until=timezone.localdate() + dt.timedelta(days=30),
        targets={"mode": "kind", "kind": "school"},
        form_version=version,
        issue=True,
        **extra,
    )


def report(directive: Directive, school: OrgUnit, index: int) -> Submission:
    return Submission.objects.get(directive=directive, unit=school, period__index=index)


def submit(city: City, sub: Submission, **values: Any) -> Submission:
    return services.submit(actor=city.user("bureau_staff"), submission=sub, values={"staff": 80, **values})


def with_history(city: City, version: FormVersion, staff: list[int]) -> tuple[Directive, Submission]:
    directive = weekly(city, version)
    periods = list(directive.periods.order_by("index").values_list("index", flat=True))
    assert len(periods) > len(staff)
    for index, value in zip(periods, staff, strict=False):
        submit(city, report(directive, city.school_a, index), staff=value)
    return directive, report(directive, city.school_a, periods[-1])


# ----- the statistics ---------------------------------------------------------------------------------------


@given(st.lists(st.integers(min_value=-10_000, max_value=10_000), min_size=4, max_size=30))
def test_a_value_equal_to_the_median_never_flags(values: list[int]) -> None:
    import statistics

    assert plausibility.modified_z(statistics.median(values), values) is None


def test_a_clear_outlier_flags_and_a_usual_value_does_not() -> None:
    past = [118, 120, 121, 119, 125, 120]
    out = plausibility.modified_z(300, past)
    assert out is not None and out.z is not None and out.z > 3.5 and out.median == 120
    assert plausibility.modified_z(123, past) is None
    low = plausibility.modified_z(10, past)
    assert low is not None and low.z is not None and low.z < -3.5


def test_a_constant_history_flags_only_a_change_of_more_than_half() -> None:
    assert plausibility.modified_z(140, [100, 100, 100, 100]) is None
    assert plausibility.modified_z(151, [100, 100, 100, 100]) is not None
    assert plausibility.modified_z(49, [100, 100, 100, 100]) is not None
    assert plausibility.modified_z(0, [0, 0, 0, 0]) is None
    assert plausibility.modified_z(3, [0, 0, 0, 0]) is not None


def test_a_small_change_of_a_steady_figure_does_not_flag() -> None:
    # MAD 0.5 would make 385 read as "6.7 离散度"; a change under 10 % of the median is not worth a look.
    assert plausibility.modified_z(385, [390, 389, 389, 390]) is None
    assert plausibility.modified_z(300, [390, 389, 389, 390]) is not None


def test_peers_with_mostly_the_same_figure_use_the_mean_deviation() -> None:
    peers = [2] * 6 + [1, 3, 1, 3]
    assert plausibility.modified_z(3, peers, mean_fallback=True) is None
    out = plausibility.modified_z(12, peers, mean_fallback=True)
    assert out is not None and out.z is not None and out.z > 3.5


# ----- flags on submit ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_submit_stores_a_history_flag_with_the_figures(city: City, version: FormVersion) -> None:
    _, current = with_history(city, version, [80, 82, 79, 81, 80])
    submit(city, current, staff=400)
    [flag] = ValueFlag.objects.filter(submission=current)
    assert (flag.field_key, flag.kind, flag.value) == ("staff", "history_outlier", 400)
    assert flag.reference["median"] == 80 and flag.reference["periods"] == 5
    assert flag.explanation.startswith("比本单位前 5 期中位数 80 高出")
    assert flag.reference["z"] > 3.5


@pytest.mark.django_db
def test_usual_numbers_and_too_short_a_history_raise_no_flag(city: City, version: FormVersion) -> None:
    directive, current = with_history(city, version, [80, 82, 79, 81, 80])
    submit(city, current, staff=83)
    assert not ValueFlag.objects.filter(submission=current).exists()
    # School b reported only three earlier rounds: no history check yet, however odd the number.
    for index in (1, 2, 3):
        submit(city, report(directive, city.school_b, index), staff=10)
    b_now = report(directive, city.school_b, current.period.index)
    submit(city, b_now, staff=900)
    assert not ValueFlag.objects.filter(submission=b_now, kind="history_outlier").exists()


@pytest.mark.django_db
def test_resubmission_recomputes_the_flags(city: City, version: FormVersion) -> None:
    _, current = with_history(city, version, [80, 82, 79, 81, 80])
    submit(city, current, staff=400)
    assert ValueFlag.objects.filter(submission=current).count() == 1
    services.withdraw(actor=city.user("bureau_staff"), submission=current)
    submit(city, Submission.objects.get(pk=current.pk), staff=81)
    assert not ValueFlag.objects.filter(submission=current).exists()


@pytest.mark.django_db
def test_more_pupils_than_enrolled_and_negative_counts_are_impossible(city: City, version: FormVersion) -> None:
    from dudao.orgs import enrolment

    enrolment.invalidate()
    enrolled = enrolment.rollup([city.school_a])[city.school_a.pk].students
    assert enrolled == 5
    directive = weekly(city, version)
    sub = submit(city, report(directive, city.school_a, 1), pupils=6, rooms=-2, change=-3)
    flags = {f.field_key: f for f in ValueFlag.objects.filter(submission=sub)}
    assert set(flags) == {"pupils", "rooms"}  # a change may be negative
    assert flags["pupils"].kind == "impossible"
    assert flags["pupils"].explanation == "填报 6 人，多于本单位学籍名册在籍学生 5 人"
    assert flags["rooms"].explanation == "数量不能为负数（填报 -2）"
    ok = submit(city, report(directive, city.school_a, 2), pupils=5)
    assert not ValueFlag.objects.filter(submission=ok).exists()


@pytest.mark.django_db
def test_peer_outlier_names_no_peer_figure(city: City, version: FormVersion) -> None:
    peers = [unit(city.district_a, f"甲区第{i}小学", "school", school_type="primary") for i in range(10, 19)]
    directive = weekly(city, version)
    for i, school in enumerate(peers):
        submit(city, report(directive, school, 1), staff=60 + i)  # 60..68, median 64
    odd = submit(city, report(directive, city.school_b, 1), staff=700)
    [flag] = ValueFlag.objects.filter(submission=odd, kind="peer_outlier")
    assert flag.explanation.startswith("明显高于同期 9 个同类单位的一般水平")
    assert set(flag.reference) == {"peers", "z"}
    assert not any(str(60 + i) in flag.explanation for i in range(9))
    # The reporting unit reads its flags through the API: no peer value there either.
    client = Client()
    client.force_login(city.user("district_admin_b"))
    body = client.get(f"/api/v1/submissions/{odd.pk}").json()
    assert [f["kind"] for f in body["flags"]] == ["peer_outlier"]
    assert "64" not in str(body["flags"]) and "median" not in str(body["flags"])


# ----- approval -----------------------------------------------------------------------------------------------


@pytest.fixture
def flagged(city: City, version: FormVersion) -> Submission:
    _, current = with_history(city, version, [80, 82, 79, 81, 80])
    return submit(city, current, staff=400, rooms=-1)


@pytest.mark.django_db
def test_approval_is_refused_until_every_flag_is_acknowledged(city: City, flagged: Submission) -> None:
    flags = list(ValueFlag.objects.filter(submission=flagged))
    assert len(flags) == 2
    approver = city.user("bureau_staff")
    with pytest.raises(DomainError) as exc:
        services.approve(actor=approver, submission=flagged)
    assert exc.value.code == "flags_unacknowledged" and exc.value.status == 409
    assert exc.value.message.startswith("有 2 处数据异常提示尚未核实（“教职工数（人）”、“功能室数（间）”）")
    with pytest.raises(DomainError):
        services.approve(actor=approver, submission=flagged, acknowledge=[flags[0].pk])
    # Refused: nothing changed, not even the one ticked.
    assert not ValueFlag.objects.filter(submission=flagged, acknowledged_at__isnull=False).exists()
    assert Submission.objects.get(pk=flagged.pk).approved_levels == 0
    done = services.approve(actor=approver, submission=flagged, acknowledge=[f.pk for f in flags])
    assert done.status == SubmissionStatus.APPROVED
    assert set(ValueFlag.objects.filter(submission=flagged).values_list("acknowledged_by", flat=True)) == {approver.pk}


@pytest.mark.django_db
def test_acknowledging_is_audited_and_ids_of_other_reports_do_not_count(city: City, flagged: Submission) -> None:
    other = ValueFlag.objects.create(
        submission=report(flagged.directive, city.school_b, 1), field_key="staff", label="x", kind="impossible",
        value=1, explanation="x",
    )  # fmt: skip
    with pytest.raises(DomainError):
        services.approve(actor=city.user("bureau_staff"), submission=flagged, acknowledge=[other.pk])
    ids = list(ValueFlag.objects.filter(submission=flagged).values_list("pk", flat=True))
    services.approve(actor=city.user("bureau_staff"), submission=flagged, acknowledge=ids)
    events = AuditEvent.objects.filter(action="acknowledge_flag")
    assert events.count() == 2
    assert all(e.actor_id == city.user("bureau_staff").pk for e in events)
    first = events.first()
    assert first is not None and "acknowledged" in str(first.changes)
    assert ValueFlag.objects.get(pk=other.pk).acknowledged_at is None


@pytest.mark.django_db
def test_returning_a_flagged_report_needs_no_acknowledgement(city: City, flagged: Submission) -> None:
    back = services.return_submission(actor=city.user("bureau_staff"), submission=flagged, comment="教职工数请核对")
    assert back.status == SubmissionStatus.RETURNED


# ----- pages and API ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approval_page_shows_flags_beside_values_and_ticks_approve(city: City, flagged: Submission) -> None:
    client = Client()
    client.force_login(city.user("bureau_staff"))
    url = reverse("directives:submission", args=[flagged.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="flag-staff"' in page and "比本单位前 5 期中位数 80 高出" in page
    assert page.count('name="acknowledge"') == 2
    response = client.post(reverse("directives:approve", args=[flagged.pk]), follow=True)
    assert "尚未核实" in response.content.decode()
    ids = [str(pk) for pk in ValueFlag.objects.filter(submission=flagged).values_list("pk", flat=True)]
    client.post(reverse("directives:approve", args=[flagged.pk]), {"acknowledge": [*ids, "x"]})
    assert Submission.objects.get(pk=flagged.pk).status == SubmissionStatus.APPROVED
    assert "已核实" in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_reporting_school_sees_its_flags_but_cannot_acknowledge(city: City, flagged: Submission) -> None:
    client = Client()
    client.force_login(city.user("principal"))
    page = client.get(reverse("directives:submission", args=[flagged.pk])).content.decode()
    assert "数据异常提示 2 处" in page and 'name="acknowledge"' not in page


@pytest.mark.django_db
def test_api_lists_flags_and_approves_with_acknowledge(city: City, flagged: Submission) -> None:
    client = Client()
    client.force_login(city.user("bureau_staff"))
    body = client.get(f"/api/v1/submissions/{flagged.pk}").json()
    kinds = {f["field"]: f["kind"] for f in body["flags"]}
    assert kinds == {"staff": "history_outlier", "rooms": "impossible"}
    assert all(f["acknowledged_at"] is None for f in body["flags"])
    refused = client.post(f"/api/v1/submissions/{flagged.pk}/approve", content_type="application/json")
    assert refused.status_code == 409 and "尚未核实" in refused.json()["detail"]
    ids = [f["id"] for f in body["flags"]]
    ok = client.post(f"/api/v1/submissions/{flagged.pk}/approve", {"acknowledge": ids}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    after = client.get(f"/api/v1/submissions/{flagged.pk}").json()
    assert all(f["acknowledged_by"] for f in after["flags"])


@pytest.mark.django_db
def test_api_flags_are_scoped(city: City, flagged: Submission) -> None:
    client = Client()
    client.force_login(city.user("district_admin_b"))  # school_a is in 甲区
    assert client.get(f"/api/v1/submissions/{flagged.pk}").status_code == 404


# ----- the appraisal indicator ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_flagged_reports_indicator_counts_reports_with_flags(city: City, flagged: Submission) -> None:
    indicator = get_indicator("directives.flagged_reports")
    assert indicator is not None
    start, end = timezone.localdate() - dt.timedelta(days=60), timezone.localdate() + dt.timedelta(days=30)
    values = indicator.compute([city.school_a, city.school_b, city.root], start, end, user=city.user("bureau_leader"))
    assert values[city.school_a.pk].value == 1
    assert values[city.root.pk].value == 1
    assert values[city.school_b.pk].value == 0


@pytest.mark.django_db
@pytest.mark.parametrize("body", ['{"acknowledge": "all"}', '{"acknowledge": [true]}', "{not json"])
def test_api_bad_acknowledge_is_refused_in_chinese_and_changes_nothing(
    city: City, flagged: Submission, body: str
) -> None:
    client = Client()
    client.force_login(city.user("bureau_staff"))
    answer = client.post(f"/api/v1/submissions/{flagged.pk}/approve", body, content_type="application/json")
    assert answer.status_code == 400 and ("JSON" in answer.json()["detail"] or "列表" in answer.json()["detail"])
    assert Submission.objects.get(pk=flagged.pk).approved_levels == 0


@pytest.mark.django_db
def test_a_school_cannot_approve_past_its_flags_over_the_api(city: City, flagged: Submission) -> None:
    client = Client()
    client.force_login(city.user("principal"))  # the reporting school: not on this chain (city approves)
    ids = list(ValueFlag.objects.filter(submission=flagged).values_list("pk", flat=True))
    answer = client.post(
        f"/api/v1/submissions/{flagged.pk}/approve", {"acknowledge": ids}, content_type="application/json"
    )
    assert answer.status_code == 403
    assert not ValueFlag.objects.filter(submission=flagged, acknowledged_at__isnull=False).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "read", "approve"),
    [
        ("bureau_leader", 200, 200),  # the issuing bureau's leader may approve, flags ticked
        ("district_admin", 200, 403),  # in scope, but the city approves this report
        ("district_admin_b", 404, 404),  # another district: outside the scope
        ("principal", 200, 403),  # the reporting school reads its flags, cannot acknowledge them
        ("doctor", 403, 403),  # no reporting role at all
    ],
)
def test_flags_by_role(city: City, flagged: Submission, role: str, read: int, approve: int) -> None:
    client = Client()
    client.force_login(city.user(role))
    assert client.get(f"/api/v1/submissions/{flagged.pk}").status_code == read
    ids = list(ValueFlag.objects.filter(submission=flagged).values_list("pk", flat=True))
    answer = client.post(
        f"/api/v1/submissions/{flagged.pk}/approve", {"acknowledge": ids}, content_type="application/json"
    )
    assert answer.status_code == approve
    ticked = ValueFlag.objects.filter(submission=flagged, acknowledged_at__isnull=False).count()
    assert ticked == (len(ids) if approve == 200 else 0)


@pytest.mark.django_db
def test_the_approvals_list_says_how_many_flags_wait(city: City, flagged: Submission) -> None:
    client = Client()
    client.force_login(city.user("bureau_staff"))
    page = client.get(reverse("directives:approvals")).content.decode()
    assert "2 处数据待核实" in page
