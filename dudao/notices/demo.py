"""Demo data: the city's 创建文明城市致家长的一封信 to every parent with 70–99 % receipts per class, and the
holiday safety letter to left-behind children's guardians with a daily reminder all holiday: 暑期防溺水 from April to
August, 寒假安全提醒 (thin ice, fire, coal gas) from September to March, so the demo agrees with its clock.

Both go through the services (audit events, cascade and links as in real use); the confirmations are then
set in bulk (one UPDATE per class) to keep the load quick. At city scale the letter reaches the first
district only, as the directives demo does.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.bulk import analyze
from dudao.demo.registry import DemoContext, demo_step
from dudao.notices import services
from dudao.notices.models import Channel, GuardianLink, Notice, Receipt
from dudao.orgs.models import OrgUnit

CIVILISED_CITY_LETTER = """尊敬的各位家长：

创建全国文明城市是全市人民的共同心愿，也是提升城市品质、造福子孙后代的民生工程。孩子是城市的未来，家庭是文明的起点。为此，我们向您发出如下倡议：

一是做文明市民。遵守交通规则，文明驾车、礼让斑马线，不乱停乱放；在公共场所不大声喧哗、不随地吐痰、不乱扔垃圾。

二是树良好家风。以身作则，言传身教，引导孩子践行社会主义核心价值观，养成文明用餐、使用公筷公勺的好习惯。

三是护校园周边。接送孩子时按指定区域有序停车，不在校门口聚集拥堵，共同维护校园周边良好秩序。

请您阅读本信后点击“已阅”确认，并回答下方问题。感谢您的理解与支持！"""

# The holiday letters are what the body editor writes (bold, lists): the parents' page shows them so.
DROWNING_LETTER = (
    "<p>各位家长：</p><p>暑期是溺水事故高发期。请您切实履行监护责任，<strong>做到“六不”</strong>：</p>"
    "<ol><li>不私自下水游泳；</li><li>不擅自与他人结伴游泳；</li><li>不在无家长或教师带领的情况下游泳；</li>"
    "<li>不到无安全设施、无救援人员的水域游泳；</li><li>不到不熟悉的水域游泳；</li>"
    "<li>不熟悉水性的学生不擅自下水施救。</li></ol>"
    "<p>孩子外出时请务必知道<strong>去向、同伴和返回时间</strong>。本提醒在暑假期间每天发送，请每天阅读并确认。</p>"
)


WINTER_LETTER = (
    "<p>各位家长：</p><p>寒假将至，河湖冰面不结实，取暖用火用电增多。请您切实履行监护责任，<strong>做到“四防”</strong>：</p>"
    "<ul><li><strong>防溺冰</strong>：不到河湖、水库、池塘冰面上滑冰、嬉戏；</li>"
    "<li><strong>防火灾</strong>：不玩火、不燃放违规烟花爆竹；</li>"
    "<li><strong>防一氧化碳中毒</strong>：燃煤取暖注意通风；</li>"
    "<li><strong>防交通事故</strong>：不乘坐无牌无证、超员车辆。</li></ul>"
    "<p>孩子外出时请务必知道<strong>去向、同伴和返回时间</strong>。本提醒在寒假期间每天发送，请每天阅读并确认。</p>"
)


# The school's draft is plain paragraphs, as a clerk pastes a letter from Word; the editor shows it as such.
OPEN_DAY_LETTER = """尊敬的家长：

为让您更好地了解孩子在校的学习和生活，学校定于下周五上午举行家长开放日活动。
活动安排：8:00—8:30 签到，8:40—10:20 随堂听课，10:30—11:30 班级家长会。

请您携带身份证件，从学校东门步行进入，校内不设停车位。如不能参加，请在回执中说明，班主任将另行与您沟通。"""


def _holiday_letter(today: dt.date) -> tuple[str, str, dt.date, dt.date]:
    """The coming holiday's safety letter: (title, body, first reminder, last reminder)."""
    if 4 <= today.month <= 8:
        start, end = dt.date(today.year, 7, 1), dt.date(today.year, 8, 31)
        return "暑期防溺水安全提醒（留守儿童家长）", DROWNING_LETTER, max(start, today), end
    year = today.year + 1 if today.month >= 9 else today.year
    start, end = dt.date(year, 1, 20), dt.date(year, 2, 25)
    if today > end:  # March: the next winter holiday
        start, end = dt.date(year + 1, 1, 20), dt.date(year + 1, 2, 25)
    return "寒假安全提醒（留守儿童家长）", WINTER_LETTER, max(start, today), end


def _send(actor: User, notice: Notice) -> dict[str, int]:
    """Send as a user would; an audience above DUDAO_NOTICE_SYNC_LIMIT is queued for the background job, whose
    half the demo runs at once (the demo shows letters already sent; the queued job then finds nothing to do)."""
    counts = services.send_notice(actor=actor, notice=notice)
    if "queued" in counts:
        counts = services.send_queued(notice_id=notice.pk, actor_id=actor.pk)
    return counts


@demo_step(order=80)
def notices_demo(context: DemoContext) -> dict[str, int]:
    city = context.city
    rng = random.Random(context.seed + 80)  # noqa: S311 (deterministic demo data)
    admin = User.objects.get(username="city.admin")
    root = OrgUnit.objects.get(pk=city.root)
    audience = [] if context.scale == "small" else [OrgUnit.objects.get(pk=city.districts[0])]
    letter = services.create_notice(
        actor=admin,
        issuer=root,
        title="创建全国文明城市致全市中小学生家长的一封信",
        body=CIVILISED_CITY_LETTER,
        questions=[
            {"kind": "confirm", "label": "我已阅读并将引导孩子做文明市民", "required": True},
            {"kind": "choice", "label": "您是否愿意报名文明交通志愿者", "options": ["愿意", "暂不"], "required": False},
        ],
        audience_units=audience,
        links_expire_on=context.today + dt.timedelta(days=60),
    )
    counts = _send(admin, letter)
    sent_at = timezone.now() - dt.timedelta(days=3)
    Notice.objects.filter(pk=letter.pk).update(sent_at=sent_at, created_at=sent_at - dt.timedelta(hours=2))
    # MIN per receipt walks the receipt index; ORDER BY id LIMIT 1 let PostgreSQL walk the primary key of every link
    # for each receipt (a district's letter took most of an hour).
    analyze([Receipt, GuardianLink])
    first_link = Subquery(
        GuardianLink.objects.filter(receipt=OuterRef("pk")).values("receipt").annotate(first=Min("pk")).values("first")
    )
    confirmed = 0
    by_class: dict[int, list[int]] = {}
    for pk, klass in Receipt.objects.filter(notice=letter).order_by("id").values_list("pk", "klass_id"):
        by_class.setdefault(klass, []).append(pk)
    for _, ids in sorted(by_class.items()):
        # Between 70 % and 99 % of each class: at least one family left to chase in every class under 100.
        size = len(ids)
        wanted = round(rng.uniform(0.70, 0.99) * size)
        chosen = rng.sample(ids, max(0, min(max(wanted, math.ceil(0.70 * size)), math.floor(0.99 * size))))
        when = sent_at + dt.timedelta(hours=rng.randint(1, 60))
        confirmed += Receipt.objects.filter(pk__in=chosen).update(
            confirmed_at=when, channel=Channel.LINK, link=first_link, answers={"q1": "是", "q2": "暂不"}
        )
    title, body, start, end = _holiday_letter(context.today)
    drowning = services.create_notice(
        actor=admin,
        issuer=root,
        title=title,
        body=body,
        questions=[{"kind": "choice", "label": "孩子今天是否在您身边", "options": ["是", "否"], "required": True}],
        audience_units=audience,
        flags=["is_left_behind"],
        links_expire_on=end,
    )
    drowning_counts = _send(admin, drowning)
    services.add_reminder(
        actor=admin, notice=drowning, flags=["is_left_behind"], starts_on=start, until=end, only_pending=False
    )
    reminders = services.run_reminders(today=context.today) if start <= context.today else {"messages": 0}
    # A school's draft not yet sent: what a 德育主任 leaves for the principal to check before it goes out.
    principal = User.objects.get(username="school.principal")
    school = principal.assignments.get(role="principal").unit
    services.create_notice(
        actor=principal,
        issuer=school,
        title="关于举行家长开放日活动的通知",
        body=OPEN_DAY_LETTER,
        questions=[{"kind": "choice", "label": "您是否参加本次开放日", "options": ["参加", "不参加"]}],
        links_expire_on=context.today + dt.timedelta(days=14),
    )
    return {
        "notices": 3,
        "notice_receipts": counts["students"] + drowning_counts["students"],
        "notice_confirmed": confirmed,
        "notice_links": counts["links"] + drowning_counts["links"],
        "notice_reminder_sms": reminders["messages"],
    }
