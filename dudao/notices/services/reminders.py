"""SMS to guardians and daily reminder plans, with the public URLs and message text they carry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.notices import sms, tokens
from dudao.notices.models import GuardianLink, Notice, NoticeStatus, Receipt, ReminderPlan, ReminderRun
from dudao.notices.services._common import _any_of, _check_flags
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.roles import Role
from dudao.orgs.scoping import acting_assignment, can


def public_url(path: str, base: str = "") -> str:
    root = settings.DUDAO_PUBLIC_BASE_URL or base
    return f"{root.rstrip('/')}{path}"


def link_url(link_id: int, base: str = "") -> str:
    from django.urls import reverse

    return public_url(reverse("notices:public", args=[tokens.link_token(link_id)]), base)


def given_name(name: str) -> str:
    """The part of a Chinese name a public page may show: 张小明 → 小明, 欧阳娜娜 → 娜娜."""
    compound = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "长孙")
    name = name.strip()
    if len(name) >= 3 and name[:2] in compound:
        return name[2:]
    return name[1:] if len(name) >= 2 else name


def message_text(notice: Notice, student_name: str, url: str, sender: str = "") -> str:
    """What a guardian receives: the child by full name (a parent with two children at school, or a grandparent
    minding a cousin, must know which one is meant), who sends it, the letter and the personal link. The link
    is the parent's own, so the message goes to that parent only: by SMS, or copied into a private chat."""
    issuer = notice.issuer.short_name or notice.issuer.name
    sender = sender or notice.issuer.name
    return (
        f"【{issuer}】{student_name}同学家长您好！{sender}给您发来《{notice.title}》，"
        f"请点开链接阅读并确认（此链接仅供您使用，请勿转发）：{url}"
    )


def sender_label(actor: User, unit: OrgUnit) -> str:
    """Who a copied or texted message says it is from: 三年级（2）班班主任王芳, 红星小学李明."""
    assignment = acting_assignment(actor)
    if assignment is not None and assignment.role == Role.CLASS_TEACHER and unit.kind == UnitKind.CLASS:
        return f"{unit.name}班主任{actor.display_name}"
    where = assignment.unit.name if assignment is not None else unit.name
    return f"{where}{actor.display_name}"


def _messages_for(receipts: Iterable[Receipt], notice: Notice, base: str, sender: str = "") -> list[sms.SmsMessage]:
    ids = [r.pk for r in receipts]
    links = (
        GuardianLink.objects.filter(receipt_id__in=ids, revoked_at__isnull=True)
        .select_related("guardian", "receipt__student")
        .order_by("receipt_id", "id")
    )
    return [
        sms.SmsMessage(
            phone=link.guardian.phone,
            text=message_text(notice, link.receipt.student.name, link_url(link.pk, base), sender),
            notice_id=notice.pk,
            link_id=link.pk,
        )
        for link in links
        if link.guardian.phone
    ]


def send_sms(
    *, actor: User, notice: Notice, unit: OrgUnit, only_pending: bool = True, base: str = "", sender: str = ""
) -> int:
    """Text every guardian (or those not yet confirmed) of the students under `unit` through the SMS backend."""
    if not (can(actor, "notice.confirm", unit) or can(actor, "notice.change", unit)):
        raise Forbidden("您当前的身份不能为该范围发送短信")
    if not notice.is_live:
        raise DomainError("告知书未发送、已撤回或链接已过期，不能发送短信", code="not_live", status=409)
    with transaction.atomic():
        receipts = Receipt.objects.filter(notice=notice, klass__path__under=unit.path)
        if only_pending:
            receipts = receipts.pending()
        messages = _messages_for(list(receipts.only("pk")), notice, base, sender)
        accepted = sms.send_messages(messages)
        record_change(
            actor=actor,
            action="send_sms",
            obj=notice,
            unit_path=unit.path,
            after={"unit": unit.pk, "only_pending": only_pending, "messages": accepted},
        )
    return accepted


def add_reminder(
    *,
    actor: User,
    notice: Notice,
    flags: Sequence[str],
    until: dt.date,
    only_pending: bool = True,
    starts_on: dt.date | None = None,
) -> ReminderPlan:
    """Repeat the notice every day from `starts_on` (default today) until `until` to guardians of the flagged
    students (all if no flags), e.g. 留守儿童 guardians from 7月1日 to 8月31日."""
    if not can(actor, "notice.change", notice.issuer):
        raise Forbidden("只有发文单位可以设置每日提醒")
    _check_flags(flags)
    today = timezone.localdate()
    starts_on = starts_on or today
    if until < today:
        raise DomainError("提醒截止日期不能早于今天", code="until_in_past")
    if starts_on < today or starts_on > until:
        raise DomainError("提醒开始日期须在今天和截止日期之间", code="starts_invalid")
    if until > notice.links_expire_at.astimezone(timezone.get_current_timezone()).date():
        raise DomainError("提醒截止日期不能晚于链接有效期", code="until_after_expiry")
    with transaction.atomic():
        if Notice.objects.select_for_update().get(pk=notice.pk).status == NoticeStatus.WITHDRAWN:
            raise DomainError("该告知书已撤回", code="withdrawn", status=409)
        plan = ReminderPlan.objects.create(
            notice=notice,
            flags=sorted(set(flags)),
            only_pending=only_pending,
            starts_on=starts_on,
            until=until,
            created_by=actor,
        )
        record_change(
            actor=actor,
            action="add_reminder",
            obj=plan,
            unit_path=notice.issuer.path,
            after={
                "flags": plan.flags,
                "only_pending": only_pending,
                "starts_on": starts_on.isoformat(),
                "until": until.isoformat(),
            },
        )
    return plan


def run_reminders(*, today: dt.date | None = None, base: str = "") -> dict[str, int]:
    """The daily job: each open plan sends once a day (the run row makes reruns harmless)."""
    today = today or timezone.localdate()
    plans = ReminderPlan.objects.filter(
        cancelled_at__isnull=True, starts_on__lte=today, until__gte=today, notice__status=NoticeStatus.SENT
    ).select_related("notice", "notice__issuer")
    sent = runs = 0
    for plan in plans:
        if not plan.notice.is_live:
            continue
        with transaction.atomic():
            run, created = ReminderRun.objects.get_or_create(plan=plan, day=today)
            if not created:
                continue
            receipts = Receipt.objects.filter(notice=plan.notice)
            if plan.only_pending:
                receipts = receipts.pending()
            if plan.flags:
                receipts = receipts.filter(_any_of(Q(**{f"student__{flag}": True}) for flag in plan.flags))
            messages = [
                sms.SmsMessage(m.phone, "【每日提醒】" + m.text, m.notice_id, m.link_id, kind="reminder")
                for m in _messages_for(list(receipts.only("pk")), plan.notice, base)
            ]
            run.messages = sms.send_messages(messages)
            run.save(update_fields=["messages"])
            sent += run.messages
            runs += 1
    return {"plans": runs, "messages": sent}
