"""Files kept as evidence or attachments. Owners link to them; access is checked by the owner's views."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


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


class ImportKind(models.TextChoices):
    ROSTER = "roster", "学生名册"
    FINDINGS = "findings", "外部移交问题"
    DUTY = "duty", "值班表"
    SCREENING = "screening", "心理筛查结果"
    FRAMEWORK = "framework", "测评体系"
    STAFF_PROFILES = "staff_profiles", "教师档案"
    CALENDAR = "calendar", "校历"
    RISK_POINTS = "risk_points", "风险点"
    COMPLAINTS = "complaints", "12345 转办工单"
    VACCINATIONS = "vaccinations", "接种记录"
    HEALTH_EXAMS = "health_exams", "体检结果"


# The permission that lets a role run each kind of import, and so see how its imports went.
IMPORT_PERMISSIONS = {
    ImportKind.ROSTER: "student.change",
    ImportKind.FINDINGS: "rectification.import",
    ImportKind.DUTY: "duty.change",
    ImportKind.SCREENING: "screening.import",
    ImportKind.FRAMEWORK: "framework.change",
    ImportKind.STAFF_PROFILES: "teacher.change",
    ImportKind.CALENDAR: "calendar.publish",
    ImportKind.RISK_POINTS: "risk.change",
    ImportKind.COMPLAINTS: "complaint.handle",
    ImportKind.VACCINATIONS: "schoolhealth.record",
    ImportKind.HEALTH_EXAMS: "schoolhealth.record",
}


class ImportStatus(models.TextChoices):
    RUNNING = "running", "进行中"
    SUCCEEDED = "succeeded", "成功"
    FAILED = "failed", "失败"


class ImportRecordQuerySet(models.QuerySet["ImportRecord"]):
    def for_user(self, user: Any, action: str = "read") -> ImportRecordQuerySet:
        """Imports of the kinds the acting role may run, into units under the acting unit."""
        from dudao.core.access import access

        assignment = access().acting_assignment(user)
        if assignment is None or action != "read":
            return self.none()
        kinds = [kind for kind, permission in IMPORT_PERMISSIONS.items() if access().can(user, permission)]
        return self.filter(kind__in=kinds, unit_path__startswith=assignment.unit.path)


class ImportRecord(models.Model):
    """One upload to an importer, written before the work starts and updated when it ends, so a user whose
    browser gave up on a long import can still see that it is running, or how it ended."""

    kind = models.CharField("类型", max_length=20, choices=ImportKind.choices)
    unit_path = models.CharField(max_length=255, db_index=True)
    unit_name = models.CharField("单位", max_length=100)
    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    status = models.CharField("状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.RUNNING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    started_by_name = models.CharField("上传人", max_length=150)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    counts = models.JSONField(default=dict)
    message = models.TextField("结果", blank=True)
    # The first row errors of a refused file, as shown on the upload page.
    errors = models.JSONField(default=list)

    objects = ImportRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "导入记录"
        ordering = ["-started_at", "-id"]
        constraints = [
            # One upload of the same file into the same unit at a time: a second one is refused, in the database.
            models.UniqueConstraint(
                fields=["kind", "unit_path", "sha256"],
                condition=models.Q(status="running"),
                name="core_import_running_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"


class DocumentSequence(models.Model):
    """The yearly sequence of one 发文字号 prefix (临教督〔2026〕1号, 2号 …): the counter row a publication locks."""

    prefix = models.CharField("发文字号前缀", max_length=20)
    year = models.PositiveSmallIntegerField("年份")
    last = models.PositiveIntegerField("已用到", default=0)

    class Meta:
        verbose_name = "发文字号序列"
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="document_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.last}号"


class IssuedNumber(models.Model):
    """One 发文字号 given out, and to what: a number is never given twice (unique per prefix, year and number),
    whatever happens to the counter."""

    prefix = models.CharField("发文字号前缀", max_length=20)
    year = models.PositiveSmallIntegerField("年份")
    number = models.PositiveIntegerField("序号")
    # What the number went to ("briefings.briefing", 12): core imports no app, so no foreign key.
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "已编发文字号"
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year", "number"], name="issued_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="issued_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.number}号"
