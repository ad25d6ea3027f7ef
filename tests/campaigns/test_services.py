"""Creating and editing campaigns, the 责任清单 and attachments: rules, refusals (nothing changed) and audit."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.audit.models import AuditEvent
from dudao.campaigns import services
from dudao.campaigns.models import Campaign, CampaignItem, CampaignUnit, ItemKind, KeyDate
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from tests.campaigns.conftest import line_of, make_campaign, sent_notice, today
from tests.factories import City, UserFactory, assign

pytestmark = pytest.mark.django_db


def _events(action: str) -> int:
    return AuditEvent.objects.filter(action=action, object_type__contains="campaign").count()


def test_bureau_staff_creates_a_campaign_with_key_dates_units_and_an_audit_event(city: City) -> None:
    campaign = make_campaign(city)
    assert campaign.unit == city.root
    assert [k.name for k in campaign.key_dates.order_by("date")] == ["问题整改全部销号", "考核验收日"]
    assert KeyDate.objects.get(campaign=campaign, is_assessment=True).date == today() + dt.timedelta(days=12)
    assert set(campaign.units.values_list("unit_id", flat=True)) == {
        city.district_a.pk,
        city.district_b.pk,
        city.school_a.pk,
    }
    event = AuditEvent.objects.filter(action="create", object_id=str(campaign.pk)).latest("id")
    assert event.changes["after"]["name"] == "创建全国文明城市迎检"
    assert len(event.changes["after"]["key_dates"]) == 2


def test_district_admin_runs_a_campaign_of_its_own_district(city: City) -> None:
    campaign = make_campaign(city, actor=city.user("district_admin"), units=[city.school_a, city.school_a2])
    assert campaign.unit == city.district_a


def test_district_admin_cannot_involve_a_unit_of_another_district(city: City) -> None:
    with pytest.raises(DomainError, match="乙区第一小学”不是甲区教育局的下属单位"):
        make_campaign(city, actor=city.user("district_admin"), units=[city.school_b])
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("role", ["principal", "inspector", "class_teacher", "auditor"])
def test_roles_without_campaign_change_cannot_create(city: City, role: str) -> None:
    with pytest.raises(Forbidden):
        make_campaign(city, actor=city.user(role), units=[])
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "请填写专项工作名称"),
        ({"end": today() - dt.timedelta(days=11)}, "不能早于开始日期"),
        ({"key_dates": [services.KeyDateIn("考核验收日", today() + dt.timedelta(days=60), True)]}, "不在专项工作期间"),
        (
            {
                "key_dates": [
                    services.KeyDateIn("初检", today(), True),
                    services.KeyDateIn("复检", today() + dt.timedelta(days=1), True),
                ]
            },
            "考核验收日只能有一个",
        ),
        ({"indicator_codes": ["nope.figure"]}, "没有这些监测指标：nope.figure"),
        ({"green_at": 50, "yellow_at": 70}, "黄灯线 ≤ 绿灯线"),
        ({"units": []}, None),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_created(
    city: City, changes: dict[str, object], message: str | None
) -> None:
    if message is None:
        make_campaign(city, **changes)  # no units is allowed: they can be added later
        return
    with pytest.raises(DomainError, match=message):
        make_campaign(city, **changes)
    assert not Campaign.objects.exists()
    assert not KeyDate.objects.exists()


def test_office_and_leaders_must_belong_to_the_running_unit(city: City) -> None:
    outsider = UserFactory.create(unit=city.school_b, full_name="外单位人员")
    with pytest.raises(DomainError, match="主要负责领导“外单位人员”不是甲区教育局的人员"):
        make_campaign(city, actor=city.user("district_admin"), units=[], lead=outsider)
    with pytest.raises(DomainError, match="分管领导“.+”不是甲区教育局的人员"):
        make_campaign(city, actor=city.user("district_admin"), units=[], deputy=city.user("bureau_leader"))
    with pytest.raises(DomainError, match="牵头科室须是甲区教育局的科室"):
        make_campaign(city, actor=city.user("district_admin"), units=[], office=city.office)
    campaign = make_campaign(city, lead=city.user("bureau_leader"), office=city.office)
    assert campaign.office == city.office


def test_responsibility_line_names_the_units_people(city: City, campaign: Campaign) -> None:
    head = UserFactory.create(unit=city.district_a, full_name="区局长", title="局长")
    line = services.set_responsibility(
        actor=city.user("bureau_staff"),
        line=line_of(campaign, city.district_a),
        version=1,
        first_responsible=head,
        # A role on a school below the district makes the principal one of the district's people.
        deputy_responsible=city.user("principal"),
        contact=city.user("district_admin"),
    )
    assert (line.first_responsible, line.deputy_responsible, line.contact) == (
        head,
        city.user("principal"),
        city.user("district_admin"),
    )
    assert line.version == 2
    event = AuditEvent.objects.filter(action="set_responsibility").latest("id")
    assert event.changes["first_responsible"] == [None, head.pk]


def test_a_person_of_another_unit_is_refused_and_nothing_changes(city: City, campaign: Campaign) -> None:
    line = line_of(campaign, city.district_b)
    with pytest.raises(DomainError, match=r"第一责任人“.+”不是乙区教育局的人员"):
        services.set_responsibility(
            actor=city.user("bureau_staff"),
            line=line,
            version=1,
            first_responsible=city.user("principal"),  # 五中, in 甲区
            deputy_responsible=None,
            contact=None,
        )
    fresh = CampaignUnit.objects.get(pk=line.pk)
    assert fresh.first_responsible is None and fresh.version == 1
    assert not AuditEvent.objects.filter(action="set_responsibility").exists()


def test_a_stale_responsibility_edit_is_refused(city: City, campaign: Campaign) -> None:
    line = line_of(campaign, city.school_a)
    services.set_responsibility(
        actor=city.user("bureau_staff"),
        line=line,
        version=1,
        first_responsible=city.user("principal"),
        deputy_responsible=None,
        contact=None,
    )
    with pytest.raises(StaleEditError):
        services.set_responsibility(
            actor=city.user("bureau_staff"),
            line=line,
            version=1,
            first_responsible=None,
            deputy_responsible=None,
            contact=city.user("school_staff"),
        )
    assert CampaignUnit.objects.get(pk=line.pk).first_responsible == city.user("principal")


def test_a_district_admin_cannot_edit_the_city_campaigns_list(city: City, campaign: Campaign) -> None:
    with pytest.raises(Forbidden):
        services.set_responsibility(
            actor=city.user("district_admin"),
            line=line_of(campaign, city.district_a),
            version=None,
            first_responsible=city.user("district_admin"),
            deputy_responsible=None,
            contact=None,
        )


def test_attaching_is_scoped_by_the_module_and_a_repeat_is_harmless(city: City, campaign: Campaign) -> None:
    notice = sent_notice(city)
    first = services.attach(actor=city.user("bureau_staff"), campaign=campaign, kind="notice", object_id=notice.pk)
    again = services.attach(actor=city.user("bureau_staff"), campaign=campaign, kind="notice", object_id=notice.pk)
    assert first.pk == again.pk and first.title == notice.title and first.kind == ItemKind.NOTICE
    assert CampaignItem.objects.count() == 1
    assert AuditEvent.objects.filter(action="attach").count() == 1


def test_attaching_an_object_outside_the_attachers_scope_is_refused(city: City) -> None:
    other = sent_notice(city, issuer=city.district_b, actor=city.user("district_admin_b"))
    campaign = make_campaign(city, actor=city.user("district_admin"), units=[city.school_a])
    with pytest.raises(DomainError, match="所选家长告知书不存在或不在您的管理范围内"):
        services.attach(actor=city.user("district_admin"), campaign=campaign, kind="notice", object_id=other.pk)
    with pytest.raises(DomainError, match="不在您的管理范围内"):
        make_campaign(
            city,
            actor=city.user("district_admin"),
            units=[],
            name="另一项",
            items=[services.ItemRef("notice", other.pk)],
        )
    assert not CampaignItem.objects.exists()
    assert Campaign.objects.count() == 1  # the refused creation left nothing behind


def test_unknown_kind_is_refused(city: City, campaign: Campaign) -> None:
    with pytest.raises(DomainError, match="不支持关联这类事项"):
        services.attach(actor=city.user("bureau_staff"), campaign=campaign, kind="meeting", object_id=1)


def test_detach_removes_the_link_once(city: City, campaign: Campaign) -> None:
    notice = sent_notice(city)
    item = services.attach(actor=city.user("bureau_staff"), campaign=campaign, kind="notice", object_id=notice.pk)
    services.detach(actor=city.user("bureau_staff"), item=item)
    services.detach(actor=city.user("bureau_staff"), item=item)
    assert not CampaignItem.objects.exists()
    assert AuditEvent.objects.filter(action="detach").count() == 1


def test_update_replaces_key_dates_and_refuses_a_stale_version(city: City, campaign: Campaign) -> None:
    staff = city.user("bureau_staff")
    updated = services.update_campaign(
        actor=staff,
        campaign=campaign,
        version=1,
        name="创城迎检（冲刺）",
        start=campaign.start,
        end=campaign.end,
        key_dates=[services.KeyDateIn("考核验收日", today() + dt.timedelta(days=8), True)],
        green_at=95,
        yellow_at=70,
    )
    assert updated.version == 2 and updated.green_at == 95
    assert list(updated.key_dates.values_list("name", flat=True)) == ["考核验收日"]
    event = AuditEvent.objects.filter(action="update").latest("id")
    assert event.changes["name"] == ["创建全国文明城市迎检", "创城迎检（冲刺）"]
    with pytest.raises(StaleEditError):
        services.update_campaign(
            actor=staff, campaign=campaign, version=1, name="x", start=campaign.start, end=campaign.end
        )
    assert Campaign.objects.get(pk=campaign.pk).name == "创城迎检（冲刺）"


def test_update_keeps_key_dates_inside_a_shortened_period(city: City, campaign: Campaign) -> None:
    with pytest.raises(DomainError, match="不在专项工作期间"):
        services.update_campaign(
            actor=city.user("bureau_staff"),
            campaign=campaign,
            version=1,
            name=campaign.name,
            start=campaign.start,
            end=today() + dt.timedelta(days=6),
        )


def test_adding_units_twice_adds_them_once(city: City, campaign: Campaign) -> None:
    staff = city.user("bureau_staff")
    assert len(services.add_units(actor=staff, campaign=campaign, units=[city.school_a2, city.school_b])) == 2
    assert services.add_units(actor=staff, campaign=campaign, units=[city.school_a2]) == []
    assert campaign.units.count() == 5
    with pytest.raises(DomainError, match="不是区县教育局或学校"):
        services.add_units(actor=staff, campaign=campaign, units=[city.class_a1])


def test_a_person_holding_a_role_on_the_unit_belongs_to_it(city: City) -> None:
    visitor = UserFactory.create(unit=city.root)
    assert not services.belongs_to(visitor, city.school_b)
    assign(visitor, "school_staff", city.school_b)
    assert services.belongs_to(visitor, city.school_b)
    assert services.belongs_to(visitor, city.district_b)
    assert not services.belongs_to(visitor, city.district_a)
