"""下载中心: an export run in the background for one user, and the file it left."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "正在生成"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    EXPIRED = "expired", "已过期"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class ExportJob(models.Model):
    """One export for its owner. The file lives in private storage (never under static or a public media URL)
    and is served only to the owner, through a view that logs the download of personal data."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    # The identity (role assignment) the owner acted through: the job runs with it and re-checks it.
    assignment_id = models.BigIntegerField("发起身份", null=True)
    kind = models.CharField("导出类型", max_length=30)
    label = models.CharField("名称", max_length=200)
    filters = models.JSONField("筛选条件", default=dict)
    # Owner, identity, kind and filters hashed: two clicks on the same button find the same running job.
    fingerprint = models.CharField(max_length=64)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("进度", default=0)
    total_rows = models.PositiveIntegerField("预计行数", default=0)
    row_count = models.PositiveIntegerField("行数", default=0)
    personal_data = models.BooleanField("含个人信息", default=False)
    filename = models.CharField("文件名", max_length=200, blank=True)
    storage_name = models.CharField(max_length=300, blank=True)
    size = models.PositiveBigIntegerField("文件大小", default=0)
    error = models.TextField("失败原因", blank=True)
    created_at = models.DateTimeField("发起时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True)
    finished_at = models.DateTimeField("完成时间", null=True)
    expires_at = models.DateTimeField("过期时间", null=True)
    downloaded_at = models.DateTimeField("首次下载", null=True)

    class Meta:
        verbose_name = "导出任务"
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="exportjob_owner_idx"),
            models.Index(fields=["status", "expires_at"], name="exportjob_status_idx"),
        ]
        constraints = [
            # A double click (or two tabs) cannot queue the same export twice while the first is under way.
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=models.Q(status__in=["queued", "running"]),
                name="exportjob_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}（{self.get_status_display()}）"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class ImportJob(models.Model):
    """A large upload imported in the background (the school roster): the file waits in private storage until the
    worker imports it all or nothing, then it is deleted; the result or the row errors stay for the owner."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    assignment_id = models.BigIntegerField("发起身份", null=True)
    kind = models.CharField("导入类型", max_length=30, default="roster")
    unit_id = models.BigIntegerField("单位")
    unit_name = models.CharField("单位名称", max_length=200)
    filename = models.CharField("文件名", max_length=200)
    storage_name = models.CharField(max_length=300, blank=True)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    message = models.TextField("结果", blank=True)
    # [{"row": 3, "column": "E", "title": "学籍号", "message": "…"}]: the cells to fix, as the direct import shows.
    errors = models.JSONField("错误", default=list)
    counts = models.JSONField("数量", default=dict)
    created_at = models.DateTimeField("发起时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True)
    finished_at = models.DateTimeField("完成时间", null=True)

    class Meta:
        verbose_name = "导入任务"
        indexes = [models.Index(fields=["owner", "-created_at"], name="importjob_owner_idx")]

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE
