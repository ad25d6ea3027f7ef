"""Report totals refreshed on approval, person/school/file fields, malformed form definitions, refused attachments
and safe redirects: each test failed before its fix."""

from __future__ import annotations

import io

import pytest

from dudao.core.errors import DomainError
from dudao.directives import schema as form_schema
from dudao.directives import services
from dudao.directives.models import Directive
from tests.directives.conftest import GOOD_VALUES, STAFFING_SCHEMA, in_days
from tests.directives.test_services import cascaded, submission_of
from tests.factories import City

pytestmark = pytest.mark.django_db


def test_district_total_is_refreshed_when_it_is_approved(city: City, form_version) -> None:
    parent, child = cascaded(city, form_version)
    first = services.submit(
        actor=city.user("district_admin"), submission=submission_of(child, city.school_a), values=GOOD_VALUES
    )
    district = services.submit(actor=city.user("district_admin"), submission=submission_of(parent, city.district_a))
    assert district.values["staff"] == 80  # only 五中 had reported when the district sent its total
    late = services.submit(
        actor=city.user("district_admin"),
        submission=submission_of(child, city.school_a2),
        values={**GOOD_VALUES, "staff": 20},
    )
    for report in (first, late):
        services.approve(actor=city.user("district_admin"), submission=report)
    district = services.approve(actor=city.user("district_admin"), submission=district)
    assert district.values["staff"] == 100
    assert len(district.values["sites"]) == 2


def test_person_school_and_file_fields_accept_only_their_own_choices(city: City) -> None:
    schema = {
        "fields": [
            {"key": "contact", "label": "联系人", "type": "person"},
            {"key": "school", "label": "对口学校", "type": "school"},
        ]
    }
    form = services.create_form(actor=city.user("bureau_staff"), name="对口", schema=schema)
    version = services.publish_form(actor=city.user("bureau_staff"), form=form)
    directive = services.create_directive(
        actor=city.user("district_admin"),
        title="对口帮扶",
        deadline=in_days(5),
        targets={"mode": "kind", "kind": "school"},
        form_version=version,
        issue=True,
    )
    report = submission_of(directive, city.school_a)
    for values in ({"contact": city.user("district_admin_b").pk}, {"school": city.school_b.pk}):
        with pytest.raises(DomainError) as error:
            services.save_draft(actor=city.user("principal"), submission=report, values=values, version=None)
        assert error.value.code == "reference_invalid"
    saved = services.save_draft(
        actor=city.user("principal"),
        submission=report,
        values={"contact": city.user("principal").pk, "school": city.school_a2.pk},
        version=None,
    )
    assert saved.values["school"] == city.school_a2.pk


@pytest.mark.parametrize(
    "schema",
    [
        {"fields": STAFFING_SCHEMA["fields"], "rules": ["x"]},
        {"fields": STAFFING_SCHEMA["fields"], "totals": [1]},
        {"fields": [{**STAFFING_SCHEMA["fields"][4], "max_rows": "abc"}]},
    ],
)
def test_malformed_imported_form_definitions_are_refused_in_chinese(schema) -> None:
    with pytest.raises(DomainError) as error:
        form_schema.check_schema(schema)
    assert error.value.code == "schema_invalid"


def test_a_refused_attachment_leaves_no_directive_sent(signed_in, city: City) -> None:
    before = Directive.objects.count()
    exe = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200)
    exe.name = "方案.docx"
    response = signed_in(city.user("bureau_staff")).post(
        "/directives/new/",
        {
            "title": "带附件的通知",
            "body": "正文",
            "deadline": in_days(5).strftime("%Y-%m-%dT%H:%M"),
            "target_mode": "kind",
            "target_kind": "school",
            "recurrence": "none",
            "attachments": exe,
        },
    )
    assert "内容不是允许的类型" in response.content.decode()
    assert Directive.objects.count() == before


def test_bulk_approve_never_redirects_off_site(signed_in, city: City, form_version) -> None:
    from tests.directives.conftest import city_directive

    directive = city_directive(city, form_version)
    response = signed_in(city.user("bureau_staff")).post(
        f"/directives/{directive.pk}/bulk-approve/", {"next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/directives/")


def test_acknowledging_a_directive_without_a_form_completes_the_report(city: City) -> None:
    from dudao.directives import selectors
    from dudao.directives.models import SubmissionStatus

    directive = services.create_directive(
        actor=city.user("bureau_staff"),
        title="关于做好寒假安全工作的通知",
        deadline=in_days(3),
        targets={"mode": "kind", "kind": "school"},
        form_version=None,
        issue=True,
    )
    services.acknowledge(actor=city.user("principal"), target=directive.targets.get(unit=city.school_a))
    assert submission_of(directive, city.school_a).status == SubmissionStatus.SUBMITTED
    total, _ = selectors.completeness(directive.periods.get())
    assert (total.submitted, total.missing) == (1, 2)


def test_city_aggregate_drills_into_the_districts_cascade(signed_in, city: City, form_version) -> None:
    parent, child = cascaded(city, form_version)
    services.submit(
        actor=city.user("district_admin"), submission=submission_of(child, city.school_a), values=GOOD_VALUES
    )
    services.submit(actor=city.user("district_admin"), submission=submission_of(parent, city.district_a))
    page = signed_in(city.user("bureau_staff")).get(f"/directives/{parent.pk}/aggregate/")
    assert page.status_code == 200
    assert f'href="/directives/{child.pk}/aggregate/"' in page.content.decode()
    below = signed_in(city.user("bureau_staff")).get(f"/directives/{child.pk}/aggregate/")
    assert below.status_code == 200 and "五中" in below.content.decode()
