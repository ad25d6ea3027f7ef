"""一生一案: confidential case files (mental health, dropout), their notes, referrals, crisis checklist,
screening results, dropout suggestions, home visits, break-glass grants, alerts and counsellor staffing.

Who may read a case is decided per object (see `selectors.cases_for`), not by the org subtree alone: no role sees
all cases. Free text written about a child is an `EncryptedTextField`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dudao.core.crypto import EncryptedTextField
from dudao.orgs.models import OrgUnit, Student

User = settings.AUTH_USER_MODEL


class CaseKind(models.TextChoices):
    PSYCH = "psych", "心理健康"
    DROPOUT = "dropout", "控辍保学"


class RiskLevel(models.TextChoices):
    # 三级关注 is the mildest; 一级关注 the most serious short of crisis; red is an acute crisis.
    LEVEL3 = "level3", "三级关注"
    LEVEL2 = "level2", "二级关注"
    LEVEL1 = "level1", "一级关注"
    CRISIS = "crisis", "红色危机"


RISK_RANK = {RiskLevel.LEVEL3: 1, RiskLevel.LEVEL2: 2, RiskLevel.LEVEL1: 3, RiskLevel.CRISIS: 4}


class CaseSource(models.TextChoices):
    SCREENING = "screening", "心理筛查"
    TEACHER = "teacher", "教师转介"
    SELF = "self", "学生主动求助"
    PARENT = "parent", "家长反映"
    INCIDENT = "incident", "突发事件"
    ABSENCE = "absence", "连续缺勤"
    CENSUS = "census", "学籍比对/摸排"


class CaseStatus(models.TextChoices):
    OPEN = "open", "跟进中"
    CLOSED = "closed", "已结案"
    ARCHIVED = "archived", "已归档"


class DropoutReason(models.TextChoices):
    LEARNING = "learning", "学习困难"
    FINANCES = "finances", "家庭经济困难"
    WORK = "work", "外出务工"
    WEARINESS = "weariness", "厌学"
    ILLNESS = "illness", "疾病或残疾"
    MARRIAGE = "marriage", "早婚早育"
    OTHER = "other", "其他"


class DropoutResult(models.TextChoices):
    AT_RISK = "at_risk", "有辍学风险"
    OUT = "out", "未返校"
    RETURNED = "returned", "已返校"
    HOME_TEACHING = "home_teaching", "送教上门"
    TRANSFERRED = "transferred", "转学（有证明）"


DROPOUT_SETTLED = (DropoutResult.RETURNED, DropoutResult.HOME_TEACHING, DropoutResult.TRANSFERRED)


class CaseFileQuerySet(models.QuerySet["CaseFile"]):
    def open(self) -> CaseFileQuerySet:
        return self.filter(status=CaseStatus.OPEN)


class CaseFile(models.Model):
    kind = models.CharField("类型", max_length=10, choices=CaseKind.choices)
    school = models.ForeignKey(OrgUnit, verbose_name="学校", on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, verbose_name="学生", on_delete=models.PROTECT, related_name="case_files")
    source = models.CharField("来源", max_length=12, choices=CaseSource.choices)
    risk_level = models.CharField("关注等级", max_length=8, choices=RiskLevel.choices, default=RiskLevel.LEVEL3)
    status = models.CharField("状态", max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    counsellor = models.ForeignKey(
        User, verbose_name="负责心理教师/责任人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    class_teacher = models.ForeignKey(
        User, verbose_name="班主任", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    plan = EncryptedTextField("干预/帮扶方案", blank=True, default="")
    follow_up_days = models.PositiveSmallIntegerField("随访间隔（天）", default=14)
    next_review_on = models.DateField("下次评估日期", null=True, blank=True)
    # Crisis: when the guardian was told and by whom.
    guardian_contacted_at = models.DateTimeField(null=True, blank=True)
    guardian_contacted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Dropout register (一校一册).
    dropout_reason = models.CharField("辍学原因", max_length=12, choices=DropoutReason.choices, blank=True)
    dropout_result = models.CharField("劝返结果", max_length=14, choices=DropoutResult.choices, blank=True)
    out_since = models.DateField("离校日期", null=True, blank=True)
    returned_on = models.DateField("返校/安置日期", null=True, blank=True)
    teacher_contact = models.CharField("学校责任人及电话", max_length=80, blank=True)
    cadre_contact = models.CharField("教育局责任干部及电话", max_length=80, blank=True)
    township_contact = models.CharField("乡镇责任人及电话", max_length=80, blank=True)
    village_contact = models.CharField("村（社区）责任人及电话", max_length=80, blank=True)
    summary = EncryptedTextField("结案小结", blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    archived_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CaseFileQuerySet.as_manager()

    class Meta:
        verbose_name = "个案"
        verbose_name_plural = "个案"
        constraints = [
            models.UniqueConstraint(
                fields=["student", "kind"], condition=Q(status="open"), name="cases_one_open_case_per_kind"
            )
        ]
        indexes = [
            models.Index(fields=["school", "status"], name="cases_school_status_idx"),
            models.Index(fields=["counsellor", "status"], name="cases_counsellor_idx"),
            models.Index(fields=["class_teacher", "status"], name="cases_teacher_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}个案 #{self.pk}"

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == CaseStatus.OPEN
            and self.next_review_on is not None
            and self.next_review_on < timezone.localdate()
        )

    @property
    def days_out(self) -> int | None:
        if self.kind != CaseKind.DROPOUT or self.out_since is None or self.dropout_result in DROPOUT_SETTLED:
            return None
        return (timezone.localdate() - self.out_since).days


class NoteKind(models.TextChoices):
    NOTE = "note", "跟进记录"
    INTERVIEW = "interview", "个别辅导/访谈"
    FAMILY = "family", "三线联动·家庭"
    SCHOOL = "school", "三线联动·学校"
    TEACHER = "teacher", "三线联动·任课教师"
    PERSUASION = "persuasion", "劝返走访"
    REVIEW = "review", "定期评估"
    LEVEL = "level", "等级调整"


class CaseNote(models.Model):
    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField("类型", max_length=12, choices=NoteKind.choices, default=NoteKind.NOTE)
    author = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    occurred_on = models.DateField("日期", default=timezone.localdate)
    participants = EncryptedTextField("参与人员", blank=True, default="")
    text = EncryptedTextField("内容")
    outcome = EncryptedTextField("结果", blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "个案记录"
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", "建议转介"
    REFERRED = "referred", "已转介"
    IN_TREATMENT = "in_treatment", "就诊/治疗中"
    COMPLETED = "completed", "已结束"
    DECLINED = "declined", "家长拒绝"


class Referral(models.Model):
    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="referrals")
    institution = EncryptedTextField("转介机构")
    referred_on = models.DateField("转介日期")
    status = models.CharField("状态", max_length=14, choices=ReferralStatus.choices, default=ReferralStatus.REFERRED)
    note = EncryptedTextField("说明", blank=True, default="")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "转介"
        ordering = ["-referred_on", "-id"]

    def __str__(self) -> str:
        return f"转介 #{self.pk}"


class CrisisStepKind(models.TextChoices):
    SAFETY_PLAN = "safety_plan", "制定安全计划"
    GUARDIAN_HANDOVER = "guardian_handover", "监护人当面交接"
    REFERRAL = "referral", "转介专业机构"


class CrisisStep(models.Model):
    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="crisis_steps")
    step = models.CharField(max_length=20, choices=CrisisStepKind.choices)
    started_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = EncryptedTextField(blank=True, default="")

    class Meta:
        verbose_name = "危机处置步骤"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "step"], condition=Q(done_at__isnull=True), name="cases_one_open_crisis_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()}（个案 #{self.case_id}）"


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", "待处理"
    ACCEPTED = "accepted", "已建案"
    DISMISSED = "dismissed", "已排除"


class ScreeningBatch(models.Model):
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("筛查名称", max_length=100)
    threshold = models.DecimalField("建议建案分数线", max_digits=6, decimal_places=1)
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "心理筛查"

    def __str__(self) -> str:
        return self.name


class ScreeningResult(models.Model):
    batch = models.ForeignKey(ScreeningBatch, on_delete=models.CASCADE, related_name="results")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(max_digits=6, decimal_places=1)
    level = EncryptedTextField("筛查等级", blank=True, default="")
    answers = EncryptedTextField("作答/备注", blank=True, default="")
    is_flagged = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, blank=True)
    reason = EncryptedTextField("排除理由", blank=True, default="")
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(CaseFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "筛查结果"
        indexes = [models.Index(fields=["status"], name="cases_screening_status_idx")]

    def __str__(self) -> str:
        return f"筛查结果 #{self.pk}"


class DropoutSuggestion(models.Model):
    """A student absent (not for illness) several school days in a row, proposed for the register."""

    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    days = models.PositiveSmallIntegerField()
    first_date = models.DateField()
    last_date = models.DateField()
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING)
    reason = EncryptedTextField("排除理由", blank=True, default="")
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(CaseFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "辍学风险提示"
        constraints = [
            models.UniqueConstraint(fields=["student", "first_date"], name="cases_one_suggestion_per_streak")
        ]

    def __str__(self) -> str:
        return f"辍学风险提示 #{self.pk}"


class VisitMode(models.TextChoices):
    IN_PERSON = "in_person", "入户走访"
    PHONE = "phone", "电话家访"
    VIDEO = "video", "视频家访"


class HomeVisit(models.Model):
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    klass = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="home_visits")
    teacher = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    term = models.CharField("学期", max_length=12)
    planned_on = models.DateField("计划日期", null=True, blank=True)
    visited_on = models.DateField("家访日期", null=True, blank=True)
    mode = models.CharField("方式", max_length=10, choices=VisitMode.choices, default=VisitMode.IN_PERSON)
    present = EncryptedTextField("在场人员", blank=True, default="")
    findings = EncryptedTextField("家访情况", blank=True, default="")
    follow_ups = EncryptedTextField("后续跟进", blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "家访"
        indexes = [models.Index(fields=["klass", "term"], name="cases_visit_class_term_idx")]

    def __str__(self) -> str:
        return f"家访 #{self.pk}"

    @property
    def is_done(self) -> bool:
        return self.visited_on is not None


class BreakGlassGrant(models.Model):
    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=20)
    reason = EncryptedTextField("理由")
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "紧急授权（破窗访问）"
        indexes = [models.Index(fields=["user", "expires_at"], name="cases_grant_user_idx")]

    def __str__(self) -> str:
        return f"紧急授权 #{self.pk}（个案 #{self.case_id}）"

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()


class AlertKind(models.TextChoices):
    CRISIS = "crisis", "危机预警"
    BREAK_GLASS = "break_glass", "紧急授权访问"
    ASSIGNED = "assigned", "个案指派"


class CaseAlert(models.Model):
    """An in-app notice to one person (the principal of a crisis, a case's owners after a break-glass)."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(CaseFile, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=AlertKind.choices)
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "个案通知"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="cases_alert_recipient_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Employment(models.TextChoices):
    FULL_TIME = "full", "专职"
    PART_TIME = "part", "兼职"


class Certificate(models.TextChoices):
    A = "A", "A证"
    B = "B", "B证"
    C = "C", "C证"
    NONE = "", "无"


class CounsellorProfile(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    employment = models.CharField("专兼职", max_length=4, choices=Employment.choices)
    certificate = models.CharField("证书等级", max_length=1, choices=Certificate.choices, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "心理教师"
        constraints = [models.UniqueConstraint(fields=["user", "school"], name="cases_one_profile_per_school")]

    def __str__(self) -> str:
        return f"心理教师 #{self.user_id}（{self.get_employment_display()}）"


class CounsellingRoom(models.Model):
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=60)
    area_m2 = models.PositiveIntegerField("面积（平方米）", default=0)
    meets_standard = models.BooleanField("达到建设指南标准", default=False)

    class Meta:
        verbose_name = "心理辅导室"

    def __str__(self) -> str:
        return self.name


def term_of(day: dt.date) -> str:
    """School term label: 2026秋 (Sept–Jan), 2027春 (Feb–Aug)."""
    if day.month >= 9:
        return f"{day.year}秋"
    if day.month == 1:
        return f"{day.year - 1}秋"
    return f"{day.year}春"


class CaseAttachment(models.Model):
    """A scanned letter or hospital certificate (转学证明, 复诊记录), served only through the case's scoped view."""

    case = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "个案附件"

    def __str__(self) -> str:
        return f"附件 #{self.pk}（个案 #{self.case_id}）"
