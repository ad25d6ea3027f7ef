"""Pictures in a notice body: uploaded from the editor before the draft is saved, checked by content (only JPG,
PNG or WebP, re-encoded without metadata by `core.files`), kept for the writing unit and served only through
scoped views (staff) or the parent's own link."""

from __future__ import annotations

from typing import IO

from django.db import transaction
from django.urls import reverse

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.core.files import IMAGE_TYPES, removed_on_failure, store_upload
from dudao.notices.models import NoticeImage
from dudao.notices.services.drafting import ISSUER_KINDS
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can

# A phone photo is 3–6 MB; it is scaled down to 2,560 px and re-encoded when stored, so this only keeps out
# what no letter to parents needs.
IMAGE_MAX_BYTES = 8 * 1024 * 1024


def image_url(image: NoticeImage) -> str:
    """The address the body refers to the picture by (the staff view; the parents' page rewrites it)."""
    return reverse("notices:image", args=[image.pk])


def upload_image(*, actor: User, unit: OrgUnit, upload: IO[bytes], name: str) -> NoticeImage:
    """Keep one picture for a notice `unit` writes. A refused file (type by content, size) stores nothing."""
    if not can(actor, "notice.change", unit):
        raise Forbidden("您当前的身份不能为该单位的告知书上传图片")
    if unit.kind not in ISSUER_KINDS:
        raise DomainError("告知书须以教育局、区县教育局或学校名义发布", code="issuer_kind")
    with removed_on_failure(), transaction.atomic():
        stored = store_upload(actor=actor, upload=upload, name=name, allowed=IMAGE_TYPES, max_bytes=IMAGE_MAX_BYTES)
        image = NoticeImage.objects.create(unit=unit, file=stored, uploaded_by=actor)
        record_change(
            actor=actor,
            action="upload_image",
            obj=image,
            unit_path=unit.path,
            after={"file": stored.pk, "name": stored.name},
        )
    return image
