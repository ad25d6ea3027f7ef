"""Authenticated encryption at rest for confidential free text (AES-256-GCM from `cryptography`).

Case files introduced it; any app whose rows hold confidential text (bullying reports, ethics incidents,
integrity talks, complaint identities) declares an `EncryptedTextField` and is covered by the same keys,
the same key rotation (`manage.py rotate_case_keys`) and the same start-up checks.

Keys come from `settings.DUDAO_CASE_KEYS`: base64url-encoded 32-byte keys, the first one current. Each stored
value reads `<key id>:<base64(nonce | ciphertext+tag)>`, the key id being the first 8 hex digits of the key's
SHA-256, so older values stay readable while `manage.py rotate_case_keys` re-encrypts them with the current key.
The associated data binds a value to its table and column: a ciphertext copied into another column fails to open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import F
from django.db.models.functions import Cast

log = logging.getLogger("dudao.crypto")

# Development and tests only: a fixed, public key. settings.py refuses to start in production without real keys.
DEV_KEY = hashlib.sha256(b"dudao development case key - NOT SECRET, NEVER FOR REAL DATA").digest()
NONCE_BYTES = 12


class DecryptionError(Exception):
    pass


@dataclass(frozen=True)
class Key:
    key_id: str
    aead: AESGCM


def key_id_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:8]


def parse_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("DUDAO_CASE_KEYS 中有无法解码的密钥（应为 base64url 编码的 32 字节）") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("DUDAO_CASE_KEYS 中的每个密钥必须是 32 字节（AES-256）")
    return raw


def new_key_text() -> str:
    """A fresh key for DUDAO_CASE_KEYS (see `manage.py rotate_case_keys --new-key`)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


@cache
def keyring() -> tuple[Key, ...]:
    texts = list(getattr(settings, "DUDAO_CASE_KEYS", []))
    if texts:
        raws = [parse_key(t) for t in texts]
    else:
        log.warning("个案加密使用固定的开发密钥（仅限开发/演示/测试）！生产环境必须设置 DUDAO_CASE_KEYS。")
        raws = [DEV_KEY]
    return tuple(Key(key_id_of(raw), AESGCM(raw)) for raw in raws)


def reset_keyring() -> None:
    keyring.cache_clear()


def current_key_id() -> str:
    return keyring()[0].key_id


def using_dev_key() -> bool:
    return keyring()[0].key_id == key_id_of(DEV_KEY)


def encrypt(plaintext: str, *, context: str) -> str:
    key = keyring()[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, plaintext.encode(), context.encode())
    return f"{key.key_id}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(stored: str, *, context: str) -> str:
    key_id, sep, body = stored.partition(":")
    if not sep:
        raise DecryptionError("not an encrypted value")
    for key in keyring():
        if key.key_id == key_id:
            try:
                blob = base64.b64decode(body)
                return key.aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode()).decode()
            except (InvalidTag, binascii.Error, ValueError) as exc:
                raise DecryptionError(f"value under key {key_id} failed authentication") from exc
    raise DecryptionError(f"unknown case key id {key_id}: add the old key to DUDAO_CASE_KEYS (after the current one)")


if TYPE_CHECKING:
    # django-stubs makes fields generic in the value they take and the value they give; Django's class is not.
    _TextField = models.TextField[str, str]
else:
    _TextField = models.TextField


class EncryptedTextField(_TextField):
    """A text column whose content is stored encrypted; empty text stays empty (nothing to hide).

    It cannot be searched or compared in SQL: lookups other than `isnull` and exact "" are meaningless."""

    def contribute_to_class(self, cls: type[models.Model], name: str, *args: Any, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.context = f"{cls._meta.app_label}.{cls.__name__.lower()}.{name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value, context=self.context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value), context=self.context)

    def stored_prefix(self) -> str:
        return f"{current_key_id()}:"


UNREADABLE = "无法解密（密钥缺失）"
# Encrypted note columns, opened one by one on the pages and API answers that show notes.
NOTE_SECRETS = ("participants", "text", "outcome")


def _open_or_mark(field: EncryptedTextField, raw: Any, *, label: str) -> Any:
    try:
        return field.from_db_value(raw, None, None)
    except DecryptionError as exc:
        log.error("个案字段无法解密（%s）：%s", label, exc)
        return UNREADABLE


def _encrypted(model: type[models.Model], name: str) -> EncryptedTextField:
    field = model._meta.get_field(name)
    if not isinstance(field, EncryptedTextField):
        raise TypeError(f"{model.__name__}.{name} is not an encrypted field")
    return field


def readable(qs: models.QuerySet[Any], *fields: str) -> list[Any]:
    """Rows of `qs` with the encrypted `fields` opened one by one: a value under a missing key shows as
    `UNREADABLE` instead of failing the whole page. For display only: never save a row read this way."""
    raw = {f"raw_{name}": Cast(F(name), output_field=models.TextField()) for name in fields}
    rows = list(qs.defer(*fields).annotate(**raw))
    for row in rows:
        for name in fields:
            field = _encrypted(qs.model, name)
            setattr(row, name, _open_or_mark(field, getattr(row, f"raw_{name}"), label=f"{field.context} #{row.pk}"))
    return rows


def read_fields(obj: models.Model, *fields: str) -> None:
    """Load the encrypted `fields` of one row, each on its own (see `readable`)."""
    model = type(obj)
    raw = {f"raw_{name}": Cast(F(name), output_field=models.TextField()) for name in fields}
    values = model._default_manager.filter(pk=obj.pk).annotate(**raw).values(*raw.keys()).first() or {}
    for name in fields:
        field = _encrypted(model, name)
        setattr(obj, name, _open_or_mark(field, values.get(f"raw_{name}", ""), label=f"{field.context} #{obj.pk}"))


def sample_key_ids(limit: int = 50) -> set[str]:
    """Key ids found in a sample of stored values of every encrypted column (newest rows first)."""
    found: set[str] = set()
    for model in crypto_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, EncryptedTextField):
                continue
            raw = Cast(F(field.name), output_field=models.TextField())
            values = (
                model._default_manager.annotate(raw_value=raw)
                .exclude(raw_value="")
                .order_by("-pk")
                .values_list("raw_value", flat=True)[:limit]
            )
            found.update(v.partition(":")[0] for v in values if v)
    return found


def crypto_models() -> list[Any]:
    """Every installed model with at least one encrypted column, in label order."""
    from django.apps import apps

    found = [
        model
        for model in apps.get_models()
        if any(isinstance(f, EncryptedTextField) for f in model._meta.concrete_fields)
    ]
    return sorted(found, key=lambda m: m._meta.label)


def is_stale_key(stored: str) -> bool:
    return bool(stored) and not stored.startswith(f"{current_key_id()}:")
