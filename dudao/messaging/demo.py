"""Demo messages: the reminders a bureau's staff find in their message centre on a Monday morning. The modules'
own demo steps already send theirs through the hooks (rectification reminders, 督办单); this step adds a few of
every category for the demo logins, dated on the demo clock, some already read."""

from __future__ import annotations

import datetime as dt

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.demo.registry import DemoContext, demo_step
from dudao.messaging.models import Category, Channel, Delivery, DeliveryStatus, Message
from dudao.messaging.services import Note, notify_batch

# (login, category, title, body, url name, days ago, hour:minute, read)
SAMPLES: tuple[tuple[str, str, str, str, str, int, str, bool], ...] = (
    (
        "school.principal",
        Category.DIRECTIVE,
        "催报：《秋季学期开学安全检查情况》尚未报送",
        "请于本周五 17:00 前报送，逾期将计入考评。",
        "directives:list",
        0,
        "07:45",
        False,
    ),
    (
        "school.principal",
        Category.RECTIFICATION,
        "整改今天到期：消防通道堆放杂物",
        "责任人请及时上传整改照片并申请销号。",
        "rectification:ledger",
        0,
        "08:00",
        False,
    ),
    (
        "school.principal",
        Category.HEALTH_ALERT,
        "疫情预警：三年级（2）班 3 日内 4 人发热缺课",
        "已超过 2 小时未确认，请校医立即核实并上报。",
        "health:alerts",
        0,
        "08:20",
        False,
    ),
    (
        "school.principal",
        Category.SUPERVISION,
        "督办单：食堂从业人员健康证过期问题",
        "请于 5 个工作日内书面反馈整改情况。",
        "supervision:list",
        1,
        "16:30",
        True,
    ),
    (
        "school.principal",
        Category.DUTY,
        "值班提醒：您今晚 18:00 起带班",
        "请按时到岗签到，保持电话畅通。",
        "duty:mine",
        1,
        "09:00",
        True,
    ),
    (
        "school.doctor",
        Category.HEALTH_ALERT,
        "疫情预警待确认：三年级（2）班发热聚集",
        "请核实病例并填写处置措施。",
        "health:alerts",
        0,
        "08:05",
        False,
    ),
    (
        "school.teacher",
        Category.DUTY,
        "值班签到提醒：今日值班尚未签到",
        "签到截止 09:30。",
        "duty:mine",
        0,
        "09:10",
        False,
    ),
    (
        "district.admin",
        Category.RECTIFICATION,
        "逾期三天：2 所学校的整改项未销号",
        "请督促学校加快整改，逾期情况将在月度通报中体现。",
        "rectification:ledger",
        0,
        "08:00",
        False,
    ),
    (
        "district.admin",
        Category.DIRECTIVE,
        "催报：《校园安全隐患排查月报》有 5 所学校未报送",
        "截止时间今天 17:00。",
        "directives:list",
        0,
        "07:50",
        False,
    ),
    (
        "district.health",
        Category.HEALTH_ALERT,
        "疫情预警升级：1 所学校的发热聚集预警超时未确认",
        "请电话督促学校校医处置。",
        "health:alerts",
        0,
        "08:25",
        False,
    ),
    (
        "city.admin",
        Category.SUPERVISION,
        "督办单回复：第一区教育局已反馈整改情况",
        "请审阅回复并决定是否办结。",
        "supervision:list",
        0,
        "10:15",
        False,
    ),
    (
        "city.admin",
        Category.SYSTEM,
        "消息中心已开通",
        "催报、整改到期、疫情预警、值班和督办单的提醒会集中在这里；可在“消息设置”中绑定企业微信或钉钉。",
        "messaging:settings",
        2,
        "09:00",
        True,
    ),
    (
        "city.director",
        Category.SUPERVISION,
        "督办单逾期未回复：2 件",
        "已按规定升级，详见督办与问责。",
        "supervision:list",
        0,
        "08:30",
        False,
    ),
)


# Pushes the send job gave up on, for the 推送失败记录 page: (sample index, channel, account, attempts, error).
FAILED_PUSHES: tuple[tuple[int, str, str, int, str], ...] = (
    (0, Channel.WECOM, "LiMingDe", 1, "企业微信返回错误 81013：接收人账号不存在或不在应用可见范围"),
    (5, Channel.DINGTALK, "0312456789", 1, "钉钉返回错误 33012：接收人账号不存在"),
    (
        8,
        Channel.WECOM,
        "ZhaoJianGuo",
        5,
        "无法连接企业微信服务器（连接超时）（已尝试 5 次，不再重试）",
    ),
    (9, Channel.SMS, "13907910023", 5, "短信网关拒绝发送（已尝试 5 次，不再重试）"),
)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@demo_step(order=140)
def messaging_demo(context: DemoContext) -> dict[str, int]:
    users = dict(User.objects.filter(username__in={s[0] for s in SAMPLES}).values_list("username", "pk"))
    tz = timezone.get_current_timezone()
    created = 0
    for index, (login, category, title, body, url, days, at, read) in enumerate(SAMPLES):
        if login not in users:
            continue
        key = f"demo:{index}"
        created += notify_batch(
            [Note(users[login], title, body, _url(url), key)],
            category=category,
        )
        hour, minute = (int(p) for p in at.split(":"))
        when = dt.datetime.combine(context.today - dt.timedelta(days=days), dt.time(hour, minute), tzinfo=tz)
        Message.objects.filter(recipient_id=users[login], dedupe_key=key).update(
            created_at=when, read_at=when + dt.timedelta(minutes=20) if read else None
        )
    messages = dict(
        Message.objects.filter(dedupe_key__in=[f"demo:{i}" for i, *_ in FAILED_PUSHES]).values_list("dedupe_key", "pk")
    )
    failed = [
        Delivery(
            message_id=messages[f"demo:{index}"],
            channel=channel,
            address=address,
            status=DeliveryStatus.FAILED,
            attempts=attempts,
            last_error=error,
            last_attempt_at=dt.datetime.combine(context.today, dt.time(8, 30 + index), tzinfo=tz),
            next_attempt_at=dt.datetime.combine(context.today, dt.time(8, 30 + index), tzinfo=tz),
        )
        for index, channel, address, attempts, error in FAILED_PUSHES
        if f"demo:{index}" in messages
    ]
    Delivery.objects.bulk_create(failed, ignore_conflicts=True)
    return {"messages": created, "failed_pushes": len(failed)}
