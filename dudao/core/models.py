"""Files kept as evidence or attachments. Owners link to them; access is checked by the owner's views."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FileKind(models.TextChoices):
    IMAGE = "image", "图片"
    DOCUMENT = "document", "文档"


class StoredFile(models.Model):
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    # The sniffed type ("jpeg", "docx", …), not the one the browser claimed.
    detected_type = models.CharField(max_length=10)
    kind = models.CharField(max_length=10, choices=FileKind.choices)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    storage_name = models.CharField(max_length=200, unique=True)
    # 64-bit difference hash of images, 16 hex digits: near-identical pictures differ in few bits.
    phash = models.CharField(max_length=16, blank=True, db_index=True)
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    # Evidence kept from EXIF before it is stripped: when and where the photo was taken.
    taken_at = models.DateTimeField(null=True)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "文件"

    def __str__(self) -> str:
        return self.name


class CacheEntry(models.Model):
    """The table of Django's database cache (the one `createcachetable` makes), created by a migration so that
    `migrate` alone prepares a production box without Redis. Only the cache backend reads and writes it, with
    its own SQL (see `dudao.core.cache`); nothing uses this model through the ORM."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "dudao_cache"
        verbose_name = "缓存条目"

    def __str__(self) -> str:
        return self.cache_key
