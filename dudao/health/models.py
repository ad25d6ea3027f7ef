"""晨午检: daily class checks, illness absences and their follow-up, clearances, outbreak alerts, supplies.

`DailyCheck` and `AbsenceRecord` carry the school (and the class) next to the class path so that the
scheduled scan can aggregate a whole city with a handful of grouped queries instead of one per school.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.models import OrgUnit, Student
from dudao.orgs.scoping import ScopedQuerySetMixin


class Session(models.TextChoices):
    MORNING = "morning", "晨检"
    NOON = "noon", "午检"
    EVENING = "evening", "晚检"


class Reason(models.TextChoices):
    ILLNESS = "illness", "因病缺勤"
    OTHER = "other", "事假/其他缺勤"
    UNWELL = "unwell", "在校不适"


class Symptom(models.TextChoices):
    FEVER = "fever", "发热"
    COUGH = "cough", "咳嗽"
    SORE_THROAT = "sore_throat", "咽痛"
    DIARRHOEA = "diarrhoea", "腹泻"
    VOMITING = "vomiting", "呕吐"
    RASH = "rash", "皮疹"
    JAUNDICE = "jaundice", "黄疸"
    CONJUNCTIVITIS = "conjunctivitis", "红眼"
    OTHER = "other", "其他"


class Syndrome(models.TextChoices):
    """Groups of similar symptoms for rule 1 ("similar symptoms" in one class)."""

    RESPIRATORY = "respiratory", "发热/呼吸道"
    GASTRO = "gastro", "腹泻/呕吐"
    RASH = "rash", "皮疹"
    JAUNDICE = "jaundice", "黄疸"
    EYE = "eye", "红眼"
    # Rule 1 only: a case with a fever symptom or ≥ 37.3 °C counts here as well as in its own group.
    FEVER = "fever", "发热"
    OTHER = "other", "其他"


class Disease(models.Model):
    """The disease list with codes and the isolation-period table (configurable; defaults from national guidance).

    The earliest return date of a case is the later of `onset + min_days` and
    `symptoms ended + symptom_free_hours`."""

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("病名", max_length=50)
    is_notifiable = models.BooleanField("法定传染病", default=False)
    needs_clearance = models.BooleanField("复课需证明", default=True)
    min_days = models.PositiveSmallIntegerField("发病后最少隔离天数", default=0)
    symptom_free_hours = models.PositiveSmallIntegerField("症状消失后须观察小时数", default=0)
    rule_text = models.CharField("复课条件", max_length=200, blank=True)
    ordering = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = "病种"
        ordering = ["ordering", "code"]

    def __str__(self) -> str:
        return self.name


class ThresholdScope(models.TextChoices):
    SCHOOL = "school", "同一学校"
    CLASS = "class", "同一班级"


class ClusterThreshold(models.Model):
    """Rule 3: `count` or more cases of `disease` within `window_days` in one school (or class)."""

    disease = models.ForeignKey(Disease, on_delete=models.CASCADE, related_name="thresholds")
    scope = models.CharField("范围", max_length=10, choices=ThresholdScope.choices, default=ThresholdScope.SCHOOL)
    count = models.PositiveSmallIntegerField("病例数")
    window_days = models.PositiveSmallIntegerField("天数")

    class Meta:
        verbose_name = "聚集性疫情阈值"
        ordering = ["disease__ordering", "scope"]

    def __str__(self) -> str:
        return f"{self.disease.name} {self.get_scope_display()} {self.window_days}天≥{self.count}例"


class CheckQuerySet(ScopedQuerySetMixin, models.QuerySet["DailyCheck"]):
    scope_resource = "health"
    scope_path = "klass__path"


class DailyCheck(models.Model):
    """One class's check for one session of one day. Counts are kept on the row for dashboards and scans."""

    klass = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    date = models.DateField("日期")
    session = models.CharField("时段", max_length=10, choices=Session.choices)
    roster_size = models.PositiveIntegerField("应到")
    illness_count = models.PositiveIntegerField("因病缺勤", default=0)
    other_count = models.PositiveIntegerField("其他缺勤", default=0)
    unwell_count = models.PositiveIntegerField("在校不适", default=0)
    # Students awaiting clearance who were present at this check (back too early).
    early_returns = models.JSONField(default=list, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    corrected_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = CheckQuerySet.as_manager()

    class Meta:
        verbose_name = "晨午检"
        constraints = [
            models.UniqueConstraint(fields=["klass", "date", "session"], name="health_check_once_per_session"),
        ]
        indexes = [
            models.Index(fields=["school", "date"], name="health_check_school_date_idx"),
            models.Index(fields=["date", "session"], name="health_check_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_session_display()} #{self.klass_id}"

    @property
    def present(self) -> int:
        return self.roster_size - self.illness_count - self.other_count


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", "待追因"
    TRACED = "traced", "已追因"
    RETURNED = "returned", "已复课"


class AbsenceQuerySet(ScopedQuerySetMixin, models.QuerySet["AbsenceRecord"]):
    scope_resource = "health"
    scope_path = "klass__path"


class AbsenceRecord(models.Model):
    check_record = models.ForeignKey(DailyCheck, on_delete=models.CASCADE, related_name="absences")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    klass = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    date = models.DateField("日期")
    reason = models.CharField("原因", max_length=10, choices=Reason.choices)
    symptoms = models.JSONField("症状", default=list, blank=True)
    temperature = models.DecimalField("体温", max_digits=3, decimal_places=1, null=True, blank=True)
    suspected = models.ForeignKey(
        Disease, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="疑似病种"
    )
    # Derived at submission for set-based scans: the syndrome group and the disease the case counts for
    # (diagnosis, else suspected, else ILI when ≥38 °C with cough or sore throat).
    syndrome = models.CharField(max_length=12, choices=Syndrome.choices, blank=True)
    disease_code = models.CharField(max_length=20, blank=True)
    # Follow-up (追因) by the school doctor.
    status = models.CharField("追因状态", max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING)
    diagnosis = models.ForeignKey(
        Disease, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="诊断"
    )
    guardian_contacted = models.BooleanField("已联系家长", default=False)
    clinic = models.CharField("就诊机构", max_length=100, blank=True)
    onset_date = models.DateField("发病日期", null=True, blank=True)
    expected_return = models.DateField("预计返校", null=True, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    traced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    traced_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = AbsenceQuerySet.as_manager()

    class Meta:
        verbose_name = "缺勤登记"
        constraints = [
            models.UniqueConstraint(fields=["check_record", "student"], name="health_absence_once_per_check"),
        ]
        indexes = [
            models.Index(fields=["school", "date"], name="health_absence_school_date_idx"),
            models.Index(fields=["klass", "date"], name="health_absence_class_date_idx"),
            models.Index(fields=["date", "reason"], name="health_absence_date_idx"),
            models.Index(fields=["student", "date"], name="health_absence_student_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_reason_display()} #{self.student_id}"

    @property
    def disease(self) -> Disease | None:
        return self.diagnosis or self.suspected


class Clearance(models.Model):
    """复课: the school doctor checked the hospital certificate and admitted the student back."""

    absence = models.OneToOneField(AbsenceRecord, on_delete=models.PROTECT, related_name="clearance")
    disease = models.ForeignKey(Disease, on_delete=models.PROTECT, related_name="+")
    earliest_return = models.DateField("最早复课日期")
    return_date = models.DateField("复课日期")
    symptoms_ended_on = models.DateField("症状消失日期", null=True, blank=True)
    certificate_no = models.CharField("复课证明编号/出具医院", max_length=100)
    certificate = models.ForeignKey(
        "core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "复课证明"

    def __str__(self) -> str:
        return f"复课 #{self.absence_id}"


class AlertRule(models.TextChoices):
    CLASS_CLUSTER = "class_cluster", "班级症状聚集"
    NOTIFIABLE = "notifiable", "法定传染病（含疑似）"
    DISEASE_CLUSTER = "disease_cluster", "病种聚集阈值"
    STATISTICAL = "statistical", "缺勤率异常升高"


class AlertStatus(models.TextChoices):
    OPEN = "open", "待确认"
    ACKNOWLEDGED = "acknowledged", "已确认"
    REPORTED = "reported", "已报告疾控"
    CLOSED = "closed", "已结案"


class AlertQuerySet(ScopedQuerySetMixin, models.QuerySet["Alert"]):
    scope_resource = "health"
    scope_path = "school__path"

    def unresolved(self) -> AlertQuerySet:
        return self.exclude(status=AlertStatus.CLOSED)


class Alert(models.Model):
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    klass = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField("规则", max_length=20, choices=AlertRule.choices)
    disease = models.ForeignKey(Disease, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    syndrome = models.CharField(max_length=12, choices=Syndrome.choices, blank=True)
    title = models.CharField("预警", max_length=200)
    evidence = models.JSONField("依据", default=dict)
    cases = models.ManyToManyField(AbsenceRecord, related_name="alerts", blank=True)
    on_date = models.DateField("预警日期")
    status = models.CharField(max_length=14, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    is_immediate = models.BooleanField("须立即报告", default=False)
    created_at = models.DateTimeField(default=timezone.now)
    report_due_at = models.DateTimeField("报告时限")
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField("报告疾控时间", null=True, blank=True)
    report_reference = models.CharField("报告编号/接报人", max_length=100, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField("结案小结", blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = "预警"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "status"], name="health_alert_school_idx"),
            models.Index(fields=["status", "created_at"], name="health_alert_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_reported_late(self) -> bool:
        reported = self.reported_at or timezone.now()
        return reported > self.report_due_at


class MeasureKind(models.TextChoices):
    ISOLATION = "isolation", "隔离观察"
    DISINFECTION = "disinfection", "消毒"
    SUSPENSION = "suspension", "停课"
    OTHER = "other", "其他措施"


class Measure(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField("措施", max_length=14, choices=MeasureKind.choices)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_on", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class SupplyKind(models.TextChoices):
    MASK = "mask", "口罩（只）"
    THERMOMETER = "thermometer", "体温计（支）"
    DISINFECTANT = "disinfectant", "消毒液（升）"
    GLOVES = "gloves", "手套（副）"


class SupplyQuerySet(ScopedQuerySetMixin, models.QuerySet["SupplyRecord"]):
    scope_resource = "health"
    scope_path = "school__path"


class SupplyRecord(models.Model):
    """One day's stock count and use of one supply at one school (one row per school, kind and day)."""

    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("物资", max_length=14, choices=SupplyKind.choices)
    date = models.DateField("日期")
    received = models.PositiveIntegerField("入库", default=0)
    used = models.PositiveIntegerField("消耗", default=0)
    stock = models.PositiveIntegerField("库存")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = SupplyQuerySet.as_manager()

    class Meta:
        verbose_name = "防疫物资"
        constraints = [models.UniqueConstraint(fields=["school", "kind", "date"], name="health_supply_once_per_day")]
        indexes = [models.Index(fields=["school", "kind", "date"], name="health_supply_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class CheckKey(models.Model):
    """An `Idempotency-Key` already answered: the same key from the same user returns the same check."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    check_record = models.ForeignKey(DailyCheck, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="health_check_key_once")]

    def __str__(self) -> str:
        return self.key


def report_deadline(created_at: dt.datetime, *, immediate: bool) -> dt.datetime:
    """立即 = within 2 hours for (suspected) notifiable diseases; 24 hours for clusters and signals."""
    return created_at + dt.timedelta(hours=2 if immediate else 24)
