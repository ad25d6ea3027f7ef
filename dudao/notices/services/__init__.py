"""告知书 services: write, send (audience → cascade → receipts and links), withdraw, confirm (public and by
phone), class-QR verification with its attempt limit, link revocation, reminders and SMS. Split by use case;
import from here."""

from dudao.notices.services.confirmations import (
    VerifyLocked,
    confirm,
    confirm_by_phone,
    confirm_by_token,
    live_code,
    live_link,
    mark_opened,
    mask_guardian_phone,
    revoke_link,
    verify_guardian,
)
from dudao.notices.services.drafting import ISSUER_KINDS, create_notice, delete_notice, update_notice
from dudao.notices.services.images import IMAGE_MAX_BYTES, image_url, upload_image
from dudao.notices.services.reminders import (
    add_reminder,
    given_name,
    link_url,
    message_text,
    public_url,
    run_reminders,
    send_sms,
    sender_label,
)
from dudao.notices.services.sending import (
    owners_of_classes,
    requeue_stuck_sends,
    send_notice,
    send_queued,
    withdraw_notice,
)

__all__ = [
    "IMAGE_MAX_BYTES",
    "ISSUER_KINDS",
    "VerifyLocked",
    "add_reminder",
    "confirm",
    "confirm_by_phone",
    "confirm_by_token",
    "create_notice",
    "delete_notice",
    "given_name",
    "image_url",
    "link_url",
    "live_code",
    "live_link",
    "mark_opened",
    "mask_guardian_phone",
    "message_text",
    "owners_of_classes",
    "public_url",
    "requeue_stuck_sends",
    "revoke_link",
    "run_reminders",
    "send_notice",
    "send_queued",
    "send_sms",
    "sender_label",
    "update_notice",
    "upload_image",
    "verify_guardian",
    "withdraw_notice",
]
