"""调度通报 services: generating from the live figures, editing, publishing with a 发文字号, confirming reading."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.briefings import services
from dudao.briefings.models import Briefing, BriefingRecipient, BriefingStatus, IssuingProfile, Trigger
from dudao.campaigns.models import Campaign, CampaignUnit
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.core.models import IssuedNumber

pytestmark = pytest.mark.django_db


def test_generation_runs_in_the_background_and_leaves_a_draft(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        briefing = services.request_briefing(actor=city.user("bureau_staff"), unit=city.root)
        assert briefing.status == BriefingStatus.GENERATING
    assert len(callbacks) == 1  # the huey task (immediate in tests)
    briefing.refresh_from_db()
    assert briefing.status == BriefingStatus.DRAFT
    assert briefing.progress == 100
    assert [s["heading"] for s in briefing.sections] == [
        "一、总体情况",
        "二、工作进展",
        "三、存在的问题",
        "四、下一步工作要求",
    ]
    assert briefing.figures["scope"] == {"unit": "测试市教育局", "campaign": None, "units": 2, "schools": 3}


def test_undrilled_schools_are_named_with_their_principal(city, make_briefing):
    briefing = make_briefing()
    principal = city.user("principal").display_name
    text = briefing.body_text
    assert "本学期尚未组织应急演练的学校 3 所" in text
    assert f"甲区第五中学（负责人：{principal}）" in text
    undrilled = briefing.figures["lists"]["undrilled"]
    assert {row["name"] for row in undrilled} == {"甲区第五中学", "甲区实验小学", "乙区第一小学"}


def test_every_readable_indicator_is_reported_with_its_name(city, make_briefing):
    briefing = make_briefing()
    names = [i["name"] for i in briefing.figures["indicators"]]
    assert "告知书知晓率" in names and "逾期未销号问题" in names
    assert "1. 按时报送率：—（本期无可统计对象）。" in briefing.body_text


def test_second_request_while_generating_returns_the_same_briefing(city):
    first = services.request_briefing(actor=city.user("bureau_staff"), unit=city.root, queue=False)
    second = services.request_briefing(actor=city.user("bureau_staff"), unit=city.root, queue=False)
    assert first.pk == second.pk
    assert Briefing.objects.count() == 1


@pytest.mark.parametrize("role", ["principal", "school_staff", "class_teacher", "inspector", "sysadmin", "auditor"])
def test_roles_without_the_permission_cannot_generate(city, role):
    with pytest.raises(Forbidden):
        services.request_briefing(actor=city.user(role), unit=city.root, queue=False)
    assert not Briefing.objects.exists()


def test_district_admin_cannot_generate_for_the_city_but_can_for_the_district(city):
    with pytest.raises(Forbidden):
        services.request_briefing(actor=city.user("district_admin"), unit=city.root, queue=False)
    briefing = services.request_briefing(actor=city.user("district_admin"), unit=city.district_a, queue=False)
    briefing = services.run_generation(briefing.pk)
    assert briefing.status == BriefingStatus.DRAFT
    assert briefing.figures["scope"]["schools"] == 2


def test_a_school_is_no_issuer(city):
    with pytest.raises(DomainError, match="市、区县教育局"):
        services.request_briefing(actor=city.user("bureau_staff"), unit=city.school_a, queue=False)


def test_an_end_date_after_today_is_refused(city):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(DomainError, match="不能晚于今天"):
        services.request_briefing(actor=city.user("bureau_staff"), unit=city.root, end=tomorrow, queue=False)
    assert not Briefing.objects.exists()


def test_the_weekly_run_covers_last_week_once(city):
    IssuingProfile.objects.create(
        unit=city.root,
        doc_prefix="测教督",
        masthead="测试市教育局文件",
        printer="办公室",
        is_weekly=True,
        writer=city.user("bureau_staff"),
    )
    monday = dt.date(2026, 12, 7)
    made = services.generate_weekly(monday)
    assert len(made) == 1
    assert made[0].trigger == Trigger.WEEKLY
    assert (made[0].period_start, made[0].period_end) == (dt.date(2026, 11, 30), dt.date(2026, 12, 6))
    assert made[0].status == BriefingStatus.DRAFT
    assert services.generate_weekly(monday) == []


def test_generation_fails_with_a_message_when_the_writer_lost_the_permission(city):
    briefing = services.request_briefing(actor=city.user("bureau_staff"), unit=city.root, queue=False)
    city.user("bureau_staff").assignments.all().delete()
    city.user("bureau_staff")._dudao_assignments = None
    failed = services.run_generation(briefing.pk)
    assert failed.status == BriefingStatus.FAILED
    assert "没有生成该单位调度通报的权限" in failed.progress_note


def test_the_writer_edits_title_sections_and_copy_to(city, make_briefing):
    briefing = make_briefing()
    edited = services.update_briefing(
        actor=city.user("bureau_staff"),
        briefing=briefing,
        title="关于第49周重点工作的调度通报",
        addressee="各区县教育局",
        sections=[{"heading": "一、总体情况", "text": "本周总体平稳。"}, {"heading": "", "text": ""}],
        copy_to="市委教育工委",
        version=briefing.version,
    )
    assert edited.version == briefing.version + 1
    assert edited.sections == [{"heading": "一、总体情况", "text": "本周总体平稳。"}]
    event = AuditEvent.objects.filter(action="update", object_type="briefings.briefing").get()
    assert event.changes["title"][1] == "关于第49周重点工作的调度通报"


def test_a_stale_edit_is_refused_and_changes_nothing(city, make_briefing):
    briefing = make_briefing()
    services.update_briefing(
        actor=city.user("bureau_staff"),
        briefing=briefing,
        title="第一次修改",
        addressee="",
        sections=briefing.sections,
        copy_to="",
        version=briefing.version,
    )
    with pytest.raises(StaleEditError):
        services.update_briefing(
            actor=city.user("bureau_leader"),
            briefing=briefing,
            title="第二次修改",
            addressee="",
            sections=briefing.sections,
            copy_to="",
            version=briefing.version,
        )
    assert Briefing.objects.get(pk=briefing.pk).title == "第一次修改"


@pytest.mark.parametrize(
    ("title", "sections", "message"),
    [
        ("", [{"heading": "一、", "text": "内容"}], "标题不能为空"),
        ("标题", [{"heading": "一、总体情况", "text": ""}], "正文不能为空"),
        ("标题", [{"heading": "很长" * 40, "text": "内容"}], "超过 60 字"),
        ("标题", [{"heading": "", "text": "字" * 30001}], "不能超过 30000 字"),
        ("标题", "not a list", "最多 12 个部分"),
    ],
)
def test_bad_edits_are_refused_with_a_chinese_message(city, make_briefing, title, sections, message):
    briefing = make_briefing()
    with pytest.raises(DomainError, match=message):
        services.update_briefing(
            actor=city.user("bureau_staff"),
            briefing=briefing,
            title=title,
            addressee="",
            sections=sections,
            copy_to="",
            version=briefing.version,
        )
    fresh = Briefing.objects.get(pk=briefing.pk)
    assert (fresh.title, fresh.sections, fresh.version) == (briefing.title, briefing.sections, briefing.version)


def test_publishing_gives_the_next_number_and_sends_to_the_units_concerned(city, make_briefing):
    briefing = make_briefing()
    published = services.publish_briefing(actor=city.user("bureau_staff"), briefing=briefing, version=briefing.version)
    year = timezone.localdate().year
    assert published.status == BriefingStatus.PUBLISHED
    assert published.number_text == f"测教督〔{year}〕1号"
    assert IssuedNumber.objects.get().object_id == str(published.pk)
    recipients = {
        r.unit.name: r.is_named for r in BriefingRecipient.objects.filter(briefing=published).select_related("unit")
    }
    # The districts (first level) and every named school; 甲区 is named as behind (the cockpit's ranking).
    assert recipients == {
        "甲区教育局": [row["name"] for row in published.figures["lists"]["behind"]] == ["甲区教育局"],
        "乙区教育局": False,
        "甲区第五中学": True,
        "甲区实验小学": True,
        "乙区第一小学": True,
    }
    assert AuditEvent.objects.filter(action="publish", object_type="briefings.briefing").exists()


def test_a_briefing_published_twice_is_refused_and_nothing_doubles(city, make_briefing):
    briefing = make_briefing(publish=True)
    with pytest.raises(DomainError, match="已于 .* 发布（测教督〔\\d{4}〕1号），不能重复发布") as refused:
        services.publish_briefing(actor=city.user("bureau_staff"), briefing=briefing, version=briefing.version)
    assert refused.value.status == 409
    assert IssuedNumber.objects.count() == 1
    assert BriefingRecipient.objects.count() == 5
    assert Briefing.objects.get(pk=briefing.pk).version == briefing.version


def test_a_published_briefing_can_no_longer_be_edited(city, make_briefing):
    briefing = make_briefing(publish=True)
    with pytest.raises(DomainError, match="不能重复发布或修改"):
        services.update_briefing(
            actor=city.user("bureau_staff"),
            briefing=briefing,
            title="改",
            addressee="",
            sections=briefing.sections,
            copy_to="",
            version=briefing.version,
        )


def test_consecutive_publications_get_consecutive_numbers_and_the_configured_prefix(city, make_briefing):
    services.save_profile(
        actor=city.user("bureau_staff"),
        unit=city.root,
        doc_prefix="测教办",
        masthead="测试市教育局文件",
        printer="测试市教育局办公室",
        addressee="",
        copy_to="",
        is_weekly=False,
        version=None,
    )
    first = make_briefing(publish=True)
    second = make_briefing(publish=True, end=timezone.localdate() - dt.timedelta(days=1))
    assert (first.doc_prefix, first.doc_number, second.doc_number) == ("测教办", 1, 2)


def test_the_next_briefing_compares_with_the_last_published_one(city, make_briefing):
    first = make_briefing(publish=True, end=timezone.localdate() - dt.timedelta(days=7))
    second = make_briefing()
    assert second.figures["compared_with"] == f"上期调度通报（{first.number_text}）"


def test_a_publication_without_permission_is_forbidden(city, make_briefing):
    briefing = make_briefing()
    with pytest.raises(Forbidden):
        services.publish_briefing(actor=city.user("district_admin"), briefing=briefing, version=briefing.version)
    assert not IssuedNumber.objects.exists()


def test_the_principal_of_a_named_school_confirms_reading_once(city, make_briefing):
    briefing = make_briefing(publish=True)
    recipient = BriefingRecipient.objects.get(briefing=briefing, unit=city.school_a)
    services.confirm_read(actor=city.user("principal"), recipient=recipient)
    recipient.refresh_from_db()
    first_read = recipient.read_at
    assert recipient.read_by == city.user("principal")
    services.confirm_read(actor=city.user("principal"), recipient=recipient)
    recipient.refresh_from_db()
    assert recipient.read_at == first_read
    assert AuditEvent.objects.filter(action="confirm_read").count() == 1


def test_a_district_admin_cannot_confirm_for_a_school(city, make_briefing):
    briefing = make_briefing(publish=True)
    recipient = BriefingRecipient.objects.get(briefing=briefing, unit=city.school_a)
    with pytest.raises(Forbidden):
        services.confirm_read(actor=city.user("district_admin"), recipient=recipient)
    district = BriefingRecipient.objects.get(briefing=briefing, unit=city.district_a)
    services.confirm_read(actor=city.user("district_admin"), recipient=district)
    assert BriefingRecipient.objects.get(pk=district.pk).read_at is not None


def test_a_campaign_briefing_covers_the_campaign_units_only(city, make_briefing):
    today = timezone.localdate()
    campaign = Campaign.objects.create(unit=city.root, name="创城迎检", start=today, end=today)
    CampaignUnit.objects.create(campaign=campaign, unit=city.school_b)
    briefing = make_briefing(campaign=campaign)
    assert briefing.figures["scope"] == {"unit": "测试市教育局", "campaign": "创城迎检", "units": 1, "schools": 1}
    assert "创城迎检" in briefing.title
    assert [r["name"] for r in briefing.figures["lists"]["undrilled"]] == ["乙区第一小学"]
    published = services.publish_briefing(actor=city.user("bureau_staff"), briefing=briefing, version=briefing.version)
    assert [r.unit_id for r in BriefingRecipient.objects.filter(briefing=published)] == [city.school_b.pk]


def test_a_campaign_without_units_in_scope_is_refused(city):
    today = timezone.localdate()
    campaign = Campaign.objects.create(unit=city.root, name="秋季开学", start=today, end=today)
    with pytest.raises(DomainError, match="没有责任单位"):
        services.request_briefing(actor=city.user("bureau_staff"), unit=city.root, campaign=campaign, queue=False)


@pytest.mark.parametrize("prefix", ["", "临教督〔", "号" * 21, "临 教"])
def test_a_bad_prefix_is_refused_and_nothing_saved(city, prefix):
    with pytest.raises(DomainError, match="发文字号前缀"):
        services.save_profile(
            actor=city.user("bureau_staff"),
            unit=city.root,
            doc_prefix=prefix,
            masthead="测试市教育局文件",
            printer="办公室",
            addressee="",
            copy_to="",
            is_weekly=False,
            version=None,
        )
    assert not IssuingProfile.objects.exists()


def test_switching_the_weekly_run_on_makes_the_clerk_its_writer(city):
    profile = services.save_profile(
        actor=city.user("bureau_staff"),
        unit=city.root,
        doc_prefix="测教督",
        masthead="测试市教育局文件",
        printer="测试市教育局办公室",
        addressee="各区县教育局",
        copy_to="",
        is_weekly=True,
        version=None,
    )
    assert profile.writer == city.user("bureau_staff")
    with pytest.raises(StaleEditError):
        services.save_profile(
            actor=city.user("bureau_staff"),
            unit=city.root,
            doc_prefix="测教办",
            masthead="测试市教育局文件",
            printer="办公室",
            addressee="",
            copy_to="",
            is_weekly=True,
            version=profile.version + 1,
        )


def test_the_weekly_job_runs_on_the_configured_day_and_time(settings):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from dudao.briefings.tasks import _schedule

    tz = ZoneInfo("Asia/Shanghai")
    monday_eight = dt.datetime(2026, 12, 7, 8, 0, tzinfo=tz)
    assert _schedule()(monday_eight)
    assert not _schedule()(monday_eight + dt.timedelta(days=1))
    assert not _schedule()(monday_eight + dt.timedelta(hours=1))
    settings.DUDAO_BRIEFING_WEEKDAY, settings.DUDAO_BRIEFING_TIME = 7, "17:30"
    assert _schedule()(dt.datetime(2026, 12, 13, 17, 30, tzinfo=tz))  # a Sunday


def test_the_weekly_command_reports_what_it_made(city):
    from io import StringIO

    from django.core.management import call_command

    IssuingProfile.objects.create(
        unit=city.root,
        doc_prefix="测教督",
        masthead="测试市教育局文件",
        printer="办公室",
        is_weekly=True,
        writer=city.user("bureau_staff"),
    )
    out = StringIO()
    call_command("briefing_weekly", stdout=out)
    assert "测试市教育局" in out.getvalue() and "共生成 1 份" in out.getvalue()
    out = StringIO()
    call_command("briefing_weekly", stdout=out)
    assert "共生成 0 份" in out.getvalue()


def test_generation_queries_do_not_grow_with_the_number_of_schools(city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import unit

    def queries() -> int:
        requested = services.request_briefing(actor=city.user("bureau_staff"), unit=city.root, queue=False)
        with CaptureQueriesContext(connection) as captured:
            done = services.run_generation(requested.pk)
        assert done.status == BriefingStatus.DRAFT
        Briefing.objects.filter(pk=done.pk).delete()
        return len(captured.captured_queries)

    queries()  # warm the shared tables the figures start from (enrolment per class)
    before = queries()
    for n in range(6):
        unit(city.district_b, f"乙区第{n + 2}中学", "school", school_type="junior")
    assert queries() == before
    # One to four queries per registered indicator (the school-safety, health and complaint apps added 11).
    assert before < 110
