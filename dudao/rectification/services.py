"""整改台账 services: 四定, progress, 销号 (request → verify or reject), reminders, public posting, Excel intake."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_change, snapshot
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import IMAGE_TYPES, is_same_picture, store_upload
from dudao.core.locking import bump, locked
from dudao.core.models import StoredFile
from dudao.messaging.services import Note, notify_batch
from dudao.orgs.models import OrgUnit, RoleAssignment
from dudao.orgs.scoping import acting_assignment, can
from dudao.rectification import rules
from dudao.rectification.models import (
    ItemPhoto,
    ItemSource,
    ItemStatus,
    PhotoStage,
    PublicPosting,
    RecheckStatus,
    RectificationItem,
    Reminder,
    ReminderKind,
    Step,
    StepKind,
)
from dudao.rectification.sources import finding_source

OPEN_STATUSES = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS, ItemStatus.AWAITING_VERIFICATION)
ITEM_FIELDS = ["owner", "responsibility", "due_date", "progress", "status"]
CLOSE_FIELDS = [*ITEM_FIELDS, "verified_in_school", "recheck_status"]
PHOTO_MAX_BYTES = 15 * 1024 * 1024
MAX_PHOTOS_PER_STEP = 9


def _locked(item: RectificationItem, version: int | None) -> RectificationItem:
    return locked(RectificationItem.objects.select_related("school", "owner"), item.pk, version)


def _save(item: RectificationItem, fields: list[str]) -> None:
    item.updated_at = timezone.now()
    bump(item, [*fields, "updated_at"])


def create_items(
    *,
    actor: User,
    findings: Sequence[Any],
    default_due: Callable[[Any], dt.date] | None = None,
    audit: bool = True,
    sources: Sequence[tuple[str, str]] | None = None,
) -> list[RectificationItem]:
    """One ledger item per finding, due on `default_due(finding)` (the finding app's rule for its severity) but
    never after the finding's limit; without a rule, on the limit itself (handed-over findings).

    `sources`: (source, reference) per finding; without them, findings of a school's 自查 round are 自查 and the
    rest 督查/检查. Each new item is audited unless the caller writes its own, richer events (the Excel intake
    and `problems.raise_problem` do)."""
    if sources is None:
        self_rounds = finding_source().self_check_rounds({f.inspection_id for f in findings if f.inspection_id})
        sources = [
            (ItemSource.SELF_CHECK if f.inspection_id in self_rounds else ItemSource.INSPECTION, "") for f in findings
        ]
    items = []
    for finding, (source, source_ref) in zip(findings, sources, strict=True):
        due = default_due(finding) if default_due is not None else finding.due_limit
        items.append(
            RectificationItem(
                finding=finding,
                school_id=finding.school_id,
                inspection_id=finding.inspection_id,
                category=finding.category,
                description=finding.description,
                due_date=min(due, finding.due_limit),
                due_limit=finding.due_limit,
                source=source,
                source_ref=source_ref[:100],
            )
        )
    created = RectificationItem.objects.bulk_create(items)
    Step.objects.bulk_create(
        [Step(item=item, kind=StepKind.CREATED, actor=actor, text=item.finding.source or "") for item in created]
    )
    if audit and created:
        school_paths = dict(OrgUnit.objects.filter(pk__in={i.school_id for i in created}).values_list("pk", "path"))
        append(
            actor=actor,
            entries=[
                Entry(
                    action="create",
                    obj=item,
                    unit_path=school_paths[item.school_id],
                    changes={
                        "after": snapshot(
                            item, ["finding", "category", "description", "due_date", "due_limit", "source"]
                        )
                    },
                )
                for item in created
            ],
        )
    return created


def record_rechecks(*, actor: User, rechecks: Iterable[tuple[int, bool]], inspection: Any = None) -> None:
    """回头看 results on the earlier findings' items: fixed, or still not fixed (then it is flagged)."""
    steps = []
    entries = []
    for finding_id, fixed in rechecks:
        item = RectificationItem.objects.filter(finding_id=finding_id).select_related("school").first()
        if item is None:
            continue
        text = "回头看复查：已整改，待验收销号" if fixed else "回头看复查：仍未整改到位"
        steps.append(Step(item=item, kind=StepKind.PROGRESS if fixed else StepKind.ESCALATED, actor=actor, text=text))
        after = {"fixed": fixed, "inspection": getattr(inspection, "pk", None), "note": text}
        entries.append(Entry(action="recheck", obj=item, unit_path=item.school.path, changes={"after": after}))
    Step.objects.bulk_create(steps)
    append(actor=actor, entries=entries)


def is_school_staff(user: User, school: OrgUnit) -> bool:
    """Whether a person can own an item there (see `selectors.owner_candidates`)."""
    from dudao.rectification.selectors import owner_candidates

    return owner_candidates(school).filter(pk=user.pk).exists()


def assign(
    *,
    actor: User,
    item: RectificationItem,
    owner: User | None,
    responsibility: str,
    due_date: dt.date,
    version: int | None,
) -> RectificationItem:
    """四定: name the owner, the duty and the date (within the inspector's limit)."""
    _check_manager(actor, item)
    responsibility = responsibility.strip()
    if owner is None:
        raise DomainError("请选择责任人", code="owner_required")
    if not responsibility:
        raise DomainError("请填写整改措施/职责", code="responsibility_required")
    if len(responsibility) > 300:
        raise DomainError("整改措施不能超过 300 字", code="responsibility_too_long")
    with transaction.atomic():
        item = _locked(item, version)
        if item.status == ItemStatus.CLOSED:
            raise DomainError("该问题已销号，不能再修改", code="item_closed", status=409)
        if not owner.is_active or not is_school_staff(owner, item.school):
            raise DomainError(f"责任人须是{item.school.name}的在岗人员", code="owner_outside")
        if due_date > item.due_limit:
            raise DomainError(
                f"整改时限不能晚于督查组给定的最迟期限 {item.due_limit:%Y-%m-%d}", code="due_date_past_limit"
            )
        if due_date < item.created_at.astimezone(timezone.get_current_timezone()).date():
            raise DomainError("整改时限不能早于问题发现日期", code="due_date_too_early")
        if due_date < timezone.localdate() and due_date != item.due_date:
            raise DomainError("整改时限不能早于今天", code="due_date_in_past")
        before = snapshot(item, ITEM_FIELDS)
        item.owner, item.responsibility, item.due_date = owner, responsibility, due_date
        _save(item, ["owner", "responsibility", "due_date"])
        Step.objects.create(
            item=item,
            kind=StepKind.ASSIGNED,
            actor=actor,
            text=f"责任人：{owner.display_name}；措施：{responsibility}；时限：{due_date:%Y-%m-%d}",
        )
        record_change(
            actor=actor,
            action="assign",
            obj=item,
            unit_path=item.school.path,
            before=before,
            after=snapshot(item, ITEM_FIELDS),
        )
    return item


def _check_manager(actor: User, item: RectificationItem) -> None:
    if not rules.manages(actor, item.school):
        if item.is_school_item:
            raise Forbidden("只有校长或学校管理员可以落实四定")
        raise Forbidden(f"只有{item.school.name}的负责人可以落实四定")


def _check_owner_or_office(actor: User, item: RectificationItem, what: str) -> None:
    """The unit's office (school office, district bureau), or the owner acting through a role at the school (a
    class teacher's role sits on the class, below the school, so a plain subtree check on the school would shut
    most owners out) or, for a district or an office, still belonging to the unit."""
    office = rules.manages(actor, item.school)
    is_owner = item.owner_id is not None and item.owner_id == actor.pk
    assignment = acting_assignment(actor)
    if item.is_school_item:
        at_unit = (
            assignment is not None
            and (assignment.unit.path.startswith(item.school.path) or item.school.path.startswith(assignment.unit.path))
            and can(actor, "rectification.progress")
        )
    else:
        at_unit = rules.belongs_to(actor, item.school)
    if not (office or (is_owner and at_unit)):
        raise Forbidden(f"只有责任人或责任单位负责人可以{what}")


def _store_photos(
    actor: User, item: RectificationItem, step: Step, stage: str, uploads: Sequence[tuple[IO[bytes], str]]
) -> list[StoredFile]:
    if len(uploads) > MAX_PHOTOS_PER_STEP:
        raise DomainError(f"一次最多上传 {MAX_PHOTOS_PER_STEP} 张照片", code="too_many_photos")
    stored = []
    for upload, name in uploads:
        file = store_upload(actor=actor, upload=upload, name=name, allowed=IMAGE_TYPES, max_bytes=PHOTO_MAX_BYTES)
        ItemPhoto.objects.create(item=item, step=step, stage=stage, file=file)
        stored.append(file)
    return stored


def record_progress(
    *,
    actor: User,
    item: RectificationItem,
    progress: int,
    text: str,
    photos: Sequence[tuple[IO[bytes], str]] = (),
    version: int | None,
) -> RectificationItem:
    _check_owner_or_office(actor, item, "更新进度")
    if not 0 <= progress <= 99:
        raise DomainError("进度应在 0 到 99 之间；整改完成请申请销号", code="invalid_progress")
    if not text.strip():
        raise DomainError("请写明本次进展", code="text_required")
    with transaction.atomic():
        item = _locked(item, version)
        _check_owner_or_office(actor, item, "更新进度")  # the owner may have changed since the item was read
        if item.status not in (ItemStatus.OPEN, ItemStatus.IN_PROGRESS):
            raise DomainError(f"该问题{item.get_status_display()}，不能更新进度", code="illegal_transition", status=409)
        if item.owner_id is None:
            raise DomainError("请先落实四定（指定责任人）", code="owner_required", status=409)
        before = snapshot(item, ITEM_FIELDS)
        item.progress = progress
        item.status = ItemStatus.IN_PROGRESS
        _save(item, ["progress", "status"])
        step = Step.objects.create(
            item=item, kind=StepKind.PROGRESS, actor=actor, progress=progress, text=text.strip()[:500]
        )
        files = _store_photos(actor, item, step, PhotoStage.PROGRESS, photos)
        record_change(
            actor=actor,
            action="progress",
            obj=item,
            unit_path=item.school.path,
            before=before,
            after={**snapshot(item, ITEM_FIELDS), "note": step.text, "photos": [f.pk for f in files]},
        )
    return item


def request_closeout(
    *,
    actor: User,
    item: RectificationItem,
    text: str,
    photos: Sequence[tuple[IO[bytes], str]],
    version: int | None,
) -> RectificationItem:
    """The owner says it is fixed and proves it with an "after" photo; someone else must verify."""
    _check_owner_or_office(actor, item, "申请销号")
    if not text.strip():
        raise DomainError("请说明整改完成情况", code="text_required")
    if not photos:
        raise DomainError("申请销号须上传整改后的照片", code="closeout_evidence_missing")
    with transaction.atomic():
        item = _locked(item, version)
        _check_owner_or_office(actor, item, "申请销号")
        if item.status not in (ItemStatus.OPEN, ItemStatus.IN_PROGRESS):
            raise DomainError(f"该问题{item.get_status_display()}，不能申请销号", code="illegal_transition", status=409)
        if item.owner_id is None:
            raise DomainError("请先落实四定（指定责任人）", code="owner_required", status=409)
        before = snapshot(item, ITEM_FIELDS)
        item.progress = 100
        item.status = ItemStatus.AWAITING_VERIFICATION
        item.closeout_requested_by = actor
        item.closeout_requested_at = timezone.now()
        _save(item, ["progress", "status", "closeout_requested_by", "closeout_requested_at"])
        step = Step.objects.create(
            item=item, kind=StepKind.CLOSEOUT_REQUESTED, actor=actor, progress=100, text=text.strip()[:500]
        )
        files = _store_photos(actor, item, step, PhotoStage.AFTER, photos)
        record_change(
            actor=actor,
            action="request_closeout",
            obj=item,
            unit_path=item.school.path,
            before=before,
            after={**snapshot(item, ITEM_FIELDS), "note": step.text, "photos": [f.pk for f in files]},
        )
    return item


def _check_verifier(actor: User, item: RectificationItem) -> None:
    # A verifier who owns the item or asked for its close-out hears that first, whatever else stands against it.
    may_otherwise = can(actor, "rectification.verify", item.school) or rules.verifies_in_school(actor, item)
    if rules.is_party(actor, item) and may_otherwise:
        raise Forbidden("不能验收自己负责或自己申请的销号")
    if not rules.may_verify(actor, item):
        if item.is_school_item and item.source == ItemSource.SELF_CHECK:
            raise Forbidden("只有校长、学校办公室或上级单位可以验收自查问题的销号")
        if item.is_school_item:
            raise Forbidden("只有督查组、教育局或区县可以验收销号")
        raise Forbidden(f"{item.school.name}的问题须由上级单位验收销号，不能自己验收")


def verify_closeout(*, actor: User, item: RectificationItem, text: str = "", version: int | None) -> RectificationItem:
    _check_verifier(actor, item)
    with transaction.atomic():
        item = _locked(item, version)
        _check_verifier(actor, item)
        if item.status != ItemStatus.AWAITING_VERIFICATION:
            raise DomainError(
                f"该问题{item.get_status_display()}，只有待验收的问题可以销号", code="illegal_transition", status=409
            )
        before = snapshot(item, CLOSE_FIELDS)
        in_school = not rules.verifies_from_above(actor, item)
        drawn = in_school and is_drawn_for_recheck(item)
        item.status = ItemStatus.CLOSED
        item.closed_by = actor
        item.closed_at = timezone.now()
        item.verified_in_school = in_school
        if in_school:
            item.recheck_status = RecheckStatus.PENDING if drawn else RecheckStatus.NONE
        _save(item, ["status", "closed_by", "closed_at", "verified_in_school", "recheck_status"])
        note = text.strip()[:460] or "验收通过，予以销号"
        if in_school:
            note = f"校内验收：{note}" + ("（已抽中，待区县复核）" if drawn else "")
        Step.objects.create(item=item, kind=StepKind.VERIFIED, actor=actor, text=note[:500])
        record_change(
            actor=actor,
            action="verify_closeout",
            obj=item,
            unit_path=item.school.path,
            before=before,
            after=snapshot(item, CLOSE_FIELDS),
        )
    return item


def reject_closeout(*, actor: User, item: RectificationItem, reason: str, version: int | None) -> RectificationItem:
    _check_verifier(actor, item)
    if not reason.strip():
        raise DomainError("请写明验收不通过的原因", code="reason_required")
    with transaction.atomic():
        item = _locked(item, version)
        _check_verifier(actor, item)
        if item.status != ItemStatus.AWAITING_VERIFICATION:
            raise DomainError(
                f"该问题{item.get_status_display()}，只有待验收的问题可以退回", code="illegal_transition", status=409
            )
        before = snapshot(item, ITEM_FIELDS)
        item.status = ItemStatus.IN_PROGRESS
        item.progress = min(item.progress, 90)
        item.closeout_requested_by = None
        item.closeout_requested_at = None
        _save(item, ["status", "progress", "closeout_requested_by", "closeout_requested_at"])
        Step.objects.create(item=item, kind=StepKind.REJECTED, actor=actor, text=reason.strip()[:500])
        record_change(
            actor=actor,
            action="reject_closeout",
            obj=item,
            unit_path=item.school.path,
            before=before,
            after={**snapshot(item, ITEM_FIELDS), "reason": reason.strip()[:500]},
        )
    return item


def evidence_warnings(item: RectificationItem) -> list[str]:
    """弄虚作假 check for the verifier, on the photos of the latest close-out request: the "before" picture again,
    a progress photo again, or a picture already used for another item or found at another school.

    Near copies are looked up by identical bytes, identical hash, or an identical first or last quarter of the
    hash (index-friendly); the full distance then decides. A re-encoded or resized copy keeps its hash."""
    request = item.steps.filter(kind=StepKind.CLOSEOUT_REQUESTED).order_by("-pk").first()
    if request is None:
        return []
    after = list(ItemPhoto.objects.filter(step=request, stage=PhotoStage.AFTER).select_related("file"))
    before = list(item.finding.photos.exclude(phash="")) + [
        p.file for p in ItemPhoto.objects.filter(item=item, stage=PhotoStage.BEFORE).exclude(file__phash="")
    ]
    own = set(ItemPhoto.objects.filter(item=item).values_list("file_id", flat=True)) | {b.pk for b in before}
    progress = set(
        ItemPhoto.objects.filter(item=item, stage=PhotoStage.PROGRESS).values_list("file__sha256", flat=True)
    )
    warnings: list[str] = []
    for photo in after:
        file = photo.file
        if any(is_same_picture(file.phash, b.phash) for b in before):
            warnings.append(f"整改后照片“{file.name}”与发现问题时的照片是同一画面")
        if file.sha256 in progress:
            warnings.append(f"整改后照片“{file.name}”与过程照片相同")
        near = Q(sha256=file.sha256)
        if file.phash:
            near |= Q(phash=file.phash) | Q(phash__startswith=file.phash[:4]) | Q(phash__endswith=file.phash[-4:])
        candidates = [
            c.pk
            for c in StoredFile.objects.filter(near).exclude(pk__in=own).only("pk", "sha256", "phash")[:200]
            if c.sha256 == file.sha256 or is_same_picture(file.phash, c.phash)
        ]
        if not candidates:
            continue
        # (school, ledger item or None) wherever the picture already appears.
        uses: set[tuple[int, int | None]] = set()
        uses.update(ItemPhoto.objects.filter(file_id__in=candidates).values_list("item__school_id", "item_id"))
        uses.update(finding_source().picture_uses(candidates))
        for school_id, item_id in sorted(uses, key=lambda u: (u[0] == item.school_id, u[1] is None, u[1] or 0)):
            where = "本校其他问题" if school_id == item.school_id else "其他学校"
            if item_id is not None and item_id != item.pk:
                warnings.append(f"整改后照片“{file.name}”已用于{where}的整改项 #{item_id}")
            elif item_id is None:
                warnings.append(f"整改后照片“{file.name}”与{where}测评时拍的照片是同一画面")
    return list(dict.fromkeys(warnings))


def is_drawn_for_recheck(item: RectificationItem) -> bool:
    """Whether a 自查 close-out verified in the school goes to the district's spot check (抽查复核).

    A share `DUDAO_SELF_CHECK_RECHECK_SHARE` (default 0.10) of close-outs is drawn: an HMAC of the item id and
    the number of its earlier verifications, keyed with SECRET_KEY, read as a number in [0, 1). The draw is
    fixed for a given item and round (tests and re-runs agree), a school cannot predict it without the key,
    and an item the district once sent back is always checked again."""
    if item.recheck_status == RecheckStatus.REOPENED:
        return True
    share = float(settings.DUDAO_SELF_CHECK_RECHECK_SHARE)
    rounds = item.steps.filter(kind=StepKind.VERIFIED).count()
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"rectification-recheck:{item.pk}:{rounds}".encode(), hashlib.sha256
    ).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def send_reminders(*, today: dt.date | None = None) -> dict[str, int]:
    """Daily: remind owners 2 days before and on the due date; escalate overdue items to the principal at once
    and to the district bureau after 3 days. Idempotent: each reminder goes once per item, kind and person."""
    today = today or timezone.localdate()
    sent = {kind.value: 0 for kind in ReminderKind}
    live = RectificationItem.objects.filter(status__in=OPEN_STATUSES).select_related("school")
    working = live.filter(status__in=(ItemStatus.OPEN, ItemStatus.IN_PROGRESS))
    plans: list[tuple[ReminderKind, QuerySet[RectificationItem], str]] = [
        # Owners are reminded while the work is theirs; once close-out is requested it waits on the verifier.
        (ReminderKind.DUE_SOON, working.filter(due_date=today + dt.timedelta(days=2), owner__isnull=False), "owner"),
        (ReminderKind.DUE_TODAY, working.filter(due_date=today, owner__isnull=False), "owner"),
        (ReminderKind.OVERDUE_PRINCIPAL, live.filter(due_date__lt=today), "principal"),
        (ReminderKind.OVERDUE_DISTRICT, live.filter(due_date__lt=today - dt.timedelta(days=3)), "district"),
    ]
    heads = _heads()
    with transaction.atomic():
        for kind, items, who in plans:
            rows = []
            for item in items.iterator(chunk_size=2000):
                recipients: list[int]
                if who == "owner":
                    recipients = [item.owner_id] if item.owner_id else []
                elif who == "principal":
                    recipients = heads["principal"].get(item.school.path, [])
                else:
                    recipients = heads["district_admin"].get(item.school.path[: OrgUnit.steplen * 2], [])
                rows += [Reminder(item=item, kind=kind, recipient_id=r) for r in recipients if r]
            # bulk_create returns every row, also those the unique key ignored: count what was really added.
            already = Reminder.objects.filter(kind=kind).count()
            Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
            notify_batch(
                (
                    Note(
                        r.recipient_id,
                        f"整改{kind.label}：{r.item.description[:60]}",
                        f"{r.item.school.name}，整改期限 {r.item.due_date:%Y年%m月%d日}",
                        "rectification:item",
                        f"rectification:{r.item_id}:{kind}",
                        (r.item_id,),
                    )
                    for r in rows
                ),
                category="rectification",
            )
            sent[kind.value] = Reminder.objects.filter(kind=kind).count() - already
    return sent


def _heads() -> dict[str, dict[str, list[int]]]:
    heads: dict[str, dict[str, list[int]]] = {"principal": {}, "district_admin": {}}
    for role, path, user_id in RoleAssignment.objects.filter(role__in=heads.keys(), user__is_active=True).values_list(
        "role", "unit__path", "user_id"
    ):
        heads[role].setdefault(path, []).append(user_id)
    return heads


def create_posting(*, actor: User, school: OrgUnit) -> PublicPosting:
    """The school's public progress link (one live link at a time; a new one replaces the old)."""
    if not can(actor, "rectification.post", school):
        raise Forbidden("只有校长或学校管理员可以生成公示二维码")
    with transaction.atomic():
        OrgUnit.objects.select_for_update().get(pk=school.pk)
        now = timezone.now()
        PublicPosting.objects.filter(school=school, revoked_at__isnull=True).update(revoked_at=now, revoked_by=actor)
        posting = PublicPosting.objects.create(school=school, token=secrets.token_urlsafe(24), created_by=actor)
        record_change(
            actor=actor, action="posting_create", obj=posting, unit_path=school.path, after={"school": school.name}
        )
    return posting


def revoke_posting(*, actor: User, posting: PublicPosting) -> None:
    if not can(actor, "rectification.post", posting.school):
        raise Forbidden("只有校长或学校管理员可以停用公示链接")
    with transaction.atomic():
        changed = PublicPosting.objects.filter(pk=posting.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
        if not changed:
            raise DomainError("该公示链接已停用", code="already_revoked", status=409)
        record_change(
            actor=actor,
            action="posting_revoke",
            obj=posting,
            unit_path=posting.school.path,
            before={"revoked": False},
            after={"revoked": True},
        )


def mark_reminders_read(*, actor: User) -> int:
    return Reminder.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
