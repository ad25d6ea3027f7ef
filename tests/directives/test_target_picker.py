"""下发对象 with the unit tree: the live “将下发给 N 个单位” is what issuing resolves, for every mode; list mode takes
units and whole districts; bad and out-of-scope choices are refused in Chinese and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dudao.core.errors import DomainError
from dudao.directives import services
from dudao.directives.models import Directive, DirectiveTarget, TargetGroup
from tests.directives.conftest import in_days
from tests.factories import City

pytestmark = pytest.mark.django_db


def specs(city: City) -> dict[str, dict[str, Any]]:
    group = services.save_group(actor=city.user("bureau_staff"), name="两所学校", units=[city.school_a, city.school_b])
    return {
        "subtree": {"mode": "subtree", "kinds": ["district", "school"], "depth": "children"},
        "kind": {"mode": "kind", "kind": "school"},
        "school_type": {"mode": "school_type", "school_types": ["primary"]},
        "list": {"mode": "list", "units": [city.district_b.pk, city.school_b.pk], "schools_of": [city.district_a.pk]},
        "group": {"mode": "group", "group": group.pk},
    }


@pytest.mark.parametrize("mode", ["subtree", "kind", "school_type", "list", "group"])
def test_preview_count_is_what_issuing_sends_to(city: City, mode: str) -> None:
    spec = specs(city)[mode]
    actor = city.user("bureau_staff")
    preview = services.preview_recipients(actor=actor, spec=spec)
    directive = services.create_directive(actor=actor, title="通知", deadline=in_days(3), targets=spec, issue=True)
    sent = set(directive.targets.values_list("unit_id", flat=True))
    assert preview.count == len(sent) > 0
    assert {u.pk for u in preview.units} == sent


def test_a_district_taken_whole_means_its_schools_not_the_bureau(city: City) -> None:
    spec = {"mode": "list", "units": [], "schools_of": [city.district_a.pk]}
    recipients = services.preview_recipients(actor=city.user("bureau_staff"), spec=spec)
    assert {u.pk for u in recipients.units} == {city.school_a.pk, city.school_a2.pk}
    assert (recipients.districts, recipients.schools) == (0, 2)


def test_a_district_and_its_bureau_itself_together(city: City) -> None:
    spec = {"mode": "list", "units": [city.district_a.pk, city.school_a.pk], "schools_of": [city.district_a.pk]}
    recipients = services.preview_recipients(actor=city.user("bureau_staff"), spec=spec)
    assert (recipients.count, recipients.districts, recipients.schools) == (3, 1, 2)


def test_list_mode_without_a_unit_is_refused(city: City) -> None:
    with pytest.raises(DomainError) as refused:
        services.create_directive(
            actor=city.user("bureau_staff"), title="通知", deadline=in_days(3), targets={"mode": "list", "units": []}
        )
    assert refused.value.code == "target_list_empty" and refused.value.message == "请至少选择一个下发单位"
    assert not Directive.objects.exists()


@pytest.mark.parametrize(
    "spec",
    [
        {"mode": "list", "units": ["school_b"]},
        {"mode": "list", "units": [], "schools_of": ["district_b"]},
        {"mode": "list", "units": ["school_a", "school_b"]},
        {"mode": "list", "units": ["district_a"]},  # the issuer itself
        {"mode": "list", "units": ["abc"]},
        {"mode": "list", "units": [True]},
    ],
)
def test_units_outside_the_issuers_subtree_are_refused(city: City, spec: dict[str, Any]) -> None:
    def real(values: list[Any]) -> list[Any]:
        return [getattr(city, v).pk if isinstance(v, str) and hasattr(city, v) else v for v in values]

    spec = {**spec, "units": real(spec["units"]), "schools_of": real(spec.get("schools_of", []))}
    with pytest.raises(DomainError) as refused:
        services.create_directive(actor=city.user("district_admin"), title="通知", deadline=in_days(3), targets=spec)
    assert refused.value.code == "target_out_of_scope"
    assert "不在本单位管辖范围内" in refused.value.message
    assert not Directive.objects.exists()


def test_a_closed_school_cannot_be_chosen(city: City) -> None:
    city.school_a2.is_closed = True
    city.school_a2.save(update_fields=["is_closed"])
    spec = {"mode": "list", "units": [city.school_a2.pk]}
    with pytest.raises(DomainError, match="已撤销"):
        services.preview_recipients(actor=city.user("bureau_staff"), spec=spec)
    # Taken whole, the district simply leaves its closed school out.
    whole = {"mode": "list", "units": [], "schools_of": [city.district_a.pk]}
    assert services.preview_recipients(actor=city.user("bureau_staff"), spec=whole).count == 1


# ----- pages ---------------------------------------------------------------------------------------------------

BASE = {"body": "", "allow_late": "on", "recurrence": "none"}


def post_new(client: Client, **fields: Any) -> Any:
    data = {**BASE, "title": "关于报送消防演练情况的通知", "deadline": in_days(5).strftime("%Y-%m-%dT%H:%M")}
    return client.post("/directives/new/", {**data, **fields})


def test_create_in_list_mode_with_a_whole_district_and_a_school(signed_in, city: City) -> None:
    client = signed_in(city.user("bureau_staff"))
    response = post_new(client, target_mode="list", units=[city.school_b.pk], schools_of=[city.district_a.pk])
    directive = Directive.objects.get()
    assert response.status_code == 302
    assert set(directive.targets.values_list("unit_id", flat=True)) == {
        city.school_a.pk,
        city.school_a2.pk,
        city.school_b.pk,
    }
    assert directive.target_spec == {"mode": "list", "units": [city.school_b.pk], "schools_of": [city.district_a.pk]}


def test_draft_saved_from_the_page_keeps_the_list(signed_in, city: City) -> None:
    client = signed_in(city.user("bureau_staff"))
    post_new(client, target_mode="list", schools_of=[city.district_a.pk], save_as="draft")
    directive = Directive.objects.get()
    assert directive.status == "draft" and directive.targets.count() == 2
    html = client.get(f"/directives/{directive.pk}/edit/").content.decode()
    # The edit page shows the choice as a chip holding its hidden input.
    assert "甲区教育局 全部学校" in html and f'name="schools_of" value="{city.district_a.pk}"' in html


def test_tampered_unit_is_a_form_error_and_nothing_is_saved(signed_in, city: City) -> None:
    client = signed_in(city.user("district_admin"))
    response = post_new(client, target_mode="list", units=[city.school_a.pk, city.school_b.pk])
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="units-error">所选单位中有的不在本单位管辖范围内或已撤销' in html
    assert "乙区第一小学" not in html  # an id outside the scope is not named back
    assert not Directive.objects.exists() and not DirectiveTarget.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target_mode": "list"}, "请至少选择一个下发单位"),
        ({"target_mode": "list", "units": ["x1"]}, "所选单位不正确，请重新选择"),
        ({"target_mode": "school_type"}, "请选择学段类型"),
    ],
)
def test_bad_target_choices_are_named_beside_the_control(
    signed_in, city: City, fields: dict[str, Any], message: str
) -> None:
    response = post_new(signed_in(city.user("bureau_staff")), **fields)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Directive.objects.exists()


def test_group_saved_from_a_whole_district_holds_its_schools(signed_in, city: City) -> None:
    client = signed_in(city.user("bureau_staff"))
    post_new(client, target_mode="list", schools_of=[city.district_a.pk], save_group_name="甲区学校")
    group = TargetGroup.objects.get(name="甲区学校")
    assert set(group.members.values_list("pk", flat=True)) == {city.school_a.pk, city.school_a2.pk}


def test_stale_draft_edit_from_the_page_says_someone_else_changed_it(signed_in, city: City) -> None:
    actor = city.user("bureau_staff")
    directive = services.create_directive(
        actor=actor, title="草稿", deadline=in_days(4), targets={"mode": "kind", "kind": "school"}
    )
    client = signed_in(actor)
    fields = {**BASE, "title": "改标题", "deadline": in_days(5).strftime("%Y-%m-%dT%H:%M"), "target_mode": "kind"}
    first = client.post(f"/directives/{directive.pk}/edit/", {**fields, "target_kind": "school", "version": 1})
    assert first.status_code == 302
    stale = client.post(
        f"/directives/{directive.pk}/edit/", {**fields, "title": "旧页面", "target_kind": "district", "version": 1}
    )
    assert "已被他人修改" in stale.content.decode()
    directive.refresh_from_db()
    assert directive.title == "改标题" and directive.target_spec["kind"] == "school"


# ----- the live count --------------------------------------------------------------------------------------------

COUNT = "/directives/recipients/"


def test_live_count_names_the_recipients(signed_in, city: City) -> None:
    client = signed_in(city.user("bureau_staff"))
    html = client.get(COUNT, {"target_mode": "list", "schools_of": city.district_a.pk, "units": city.district_b.pk})
    text = html.content.decode()
    assert "将下发给 <strong>3</strong> 个单位" in text and "区县教育局 1 个、学校 2 所" in text
    kind = client.get(COUNT, {"target_mode": "kind", "target_kind": "district"}).content.decode()
    assert "将下发给 <strong>2</strong> 个单位" in kind


def test_live_count_says_what_is_missing(signed_in, city: City) -> None:
    client = signed_in(city.user("bureau_staff"))
    assert "请至少选择一个下发单位" in client.get(COUNT, {"target_mode": "list"}).content.decode()
    assert "请选择学段类型" in client.get(COUNT, {"target_mode": "school_type"}).content.decode()


def test_live_count_refuses_units_outside_the_scope(signed_in, city: City) -> None:
    client = signed_in(city.user("district_admin"))
    html = client.get(COUNT, {"target_mode": "list", "units": city.school_b.pk}).content.decode()
    assert "不在本单位管辖范围内" in html and "将下发给" not in html


def test_live_count_for_a_draft_counts_below_its_issuer(signed_in, city: City) -> None:
    draft = services.create_directive(
        actor=city.user("district_admin"),
        title="区草稿",
        deadline=in_days(4),
        targets={"mode": "kind", "kind": "school"},
    )
    client = signed_in(city.user("bureau_staff"))  # the city may edit a district's draft
    html = client.get(COUNT, {"directive": draft.pk, "target_mode": "kind", "target_kind": "school"}).content.decode()
    assert "将下发给 <strong>2</strong> 个单位" in html


@pytest.mark.parametrize(("role", "status"), [("principal", 403), ("auditor", 403), ("district_admin_b", 404)])
def test_live_count_is_for_issuers_in_scope(signed_in, city: City, role: str, status: int) -> None:
    draft = services.create_directive(
        actor=city.user("district_admin"),
        title="区草稿",
        deadline=in_days(4),
        targets={"mode": "kind", "kind": "school"},
    )
    response = signed_in(city.user(role)).get(COUNT, {"directive": draft.pk, "target_mode": "kind"})
    assert response.status_code == status


def test_api_takes_whole_districts_and_refuses_foreign_ids(client: Client, city: City) -> None:
    from tests.directives.test_api import bearer

    headers = bearer(city, "district_admin")
    body = {"title": "区通知", "deadline": in_days(4).isoformat()}
    ok = client.post(
        "/api/v1/directives",
        {**body, "targets": {"mode": "list", "units": [city.school_a.pk]}},
        content_type="application/json",
        **headers,
    )
    assert ok.status_code == 201, ok.content
    refused = client.post(
        "/api/v1/directives",
        {**body, "targets": {"mode": "list", "units": [], "schools_of": [city.district_b.pk]}},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 400 and refused.json()["code"] == "target_out_of_scope"
    assert Directive.objects.count() == 1
