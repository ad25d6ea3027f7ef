"""返校筛查与停课: screening rounds before an opening (a questionnaire answered per student by a parent's signed
link or the class teacher, and by staff for themselves) whose answers put people on the 暂缓返校 list until the
school doctor clears them; class/grade/school suspensions (停课) with their 停课不停学 arrangement, painted into the
school calendar as 停课 days; and the staggered arrival times (错时错峰) of the opening day."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.models import OrgUnit, Student
from dudao.orgs.scoping import ScopedQuerySetMixin


class RoundStatus(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class RoundQuerySet(ScopedQuerySetMixin, models.QuerySet["ScreeningRound"]):
    scope_resource = "returns"
    scope_path = "unit__path"


class ScreeningRound(models.Model):
    """One screening before a return day, for a school or (opened by the district) all its schools."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="筛查范围")
    name = models.CharField("筛查名称", max_length=60)
    return_on = models.DateField("返校日期")
    # One listed risk area a line (城市、区县或街道): travel there within `lookback_days` holds a person back.
    risk_areas = models.TextField("风险地区", blank=True)
    lookback_days = models.PositiveSmallIntegerField("追溯天数", default=14)
    hold_days = models.PositiveSmallIntegerField("暂缓天数", default=7)
    # Extra free questions, one a line; answers are kept in the answer's `extra`.
    questions = models.JSONField("自定义问题", default=list, blank=True)
    status = models.CharField("状态", max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = "返校筛查"
        ordering = ["-return_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name", "return_on"], name="returns_round_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def area_list(self) -> list[str]:
        return [line.strip() for line in self.risk_areas.splitlines() if line.strip()]


class AnsweredBy(models.TextChoices):
    PARENT = "parent", "家长填报"
    TEACHER = "teacher", "班主任代填"
    SELF = "self", "本人填报"


class AnswerQuerySet(ScopedQuerySetMixin, models.QuerySet["ScreeningAnswer"]):
    scope_resource = "returns"
    scope_path = "unit__path"


class ScreeningAnswer(models.Model):
    """One person's answer in a round: a student (`student`) or a member of staff (`staff`). A second answer by the
    same link or person updates this row."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="answers")
    # The student's class, or the staff member's own unit: what scoping and the counts group by.
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_by = models.CharField("填报方式", max_length=10, choices=AnsweredBy.choices)
    travel_area = models.CharField("到过的风险地区", max_length=60, blank=True)
    left_area_on = models.DateField("离开风险地区日期", null=True, blank=True)
    symptoms = models.JSONField("症状", default=list, blank=True)
    close_contact = models.BooleanField("密切接触", default=False)
    contact_on = models.DateField("最后接触日期", null=True, blank=True)
    extra = models.JSONField("其他问题", default=dict, blank=True)
    # The result: held back (暂缓返校) with reasons and the expected return date (None: after a doctor's visit).
    is_held = models.BooleanField("暂缓返校", default=False)
    hold_reasons = models.CharField("暂缓原因", max_length=300, blank=True)
    expected_return = models.DateField("预计返校日期", null=True, blank=True)
    # Clearance (返校证明) by the school doctor.
    cleared_on = models.DateField("准予返校日期", null=True, blank=True)
    certificate_no = models.CharField("证明编号/出具机构", max_length=100, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    answered_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        verbose_name = "筛查填报"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "student"], condition=models.Q(student__isnull=False), name="returns_answer_student"
            ),
            models.UniqueConstraint(
                fields=["round", "staff"], condition=models.Q(staff__isnull=False), name="returns_answer_staff"
            ),
        ]
        indexes = [models.Index(fields=["round", "unit"], name="returns_answer_round_unit")]

    def __str__(self) -> str:
        return f"筛查 #{self.round_id}/{self.student_id or self.staff_id}"

    @property
    def is_pending_clearance(self) -> bool:
        return self.is_held and self.cleared_on is None


class SuspensionStatus(models.TextChoices):
    ACTIVE = "active", "停课中"
    LIFTED = "lifted", "已复课"


class SuspensionQuerySet(ScopedQuerySetMixin, models.QuerySet["Suspension"]):
    scope_resource = "returns"
    scope_path = "unit__path"


class Suspension(models.Model):
    """停课 of a class, grade or school for a date range, with its 停课不停学 arrangement."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="停课单位")
    starts_on = models.DateField("停课开始")
    ends_on = models.DateField("停课结束")
    reason = models.CharField("停课原因", max_length=100)
    # Where the decision comes from: an outbreak measure, a directive's number… (free text).
    reference = models.CharField("依据", max_length=100, blank=True)
    # The calendar's 停课 entry (calendars.CalendarEntry) painting these days; None once lifted before its start.
    calendar_entry_id = models.PositiveIntegerField(null=True, blank=True)
    online_plan = models.TextField("线上教学安排", blank=True)
    online_link = models.URLField("线上课堂链接", max_length=300, blank=True)
    teacher = models.CharField("负责教师", max_length=40, blank=True)
    teacher_phone = models.CharField("联系电话", max_length=20, blank=True)
    status = models.CharField("状态", max_length=10, choices=SuspensionStatus.choices, default=SuspensionStatus.ACTIVE)
    lifted_on = models.DateField("提前复课日期", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = SuspensionQuerySet.as_manager()

    class Meta:
        verbose_name = "停课"
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return f"{self.unit.name}停课"

    @property
    def last_day(self) -> dt.date:
        """The last suspended day (the day before an early return)."""
        if self.lifted_on is None:
            return self.ends_on
        return min(self.ends_on, self.lifted_on - dt.timedelta(days=1))


class ArrivalQuerySet(ScopedQuerySetMixin, models.QuerySet["ArrivalSlot"]):
    scope_resource = "returns"
    scope_path = "school__path"


class ArrivalSlot(models.Model):
    """错时错峰: when one grade arrives on the opening day, and by which gate."""

    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    grade = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="年级")
    day = models.DateField("开学日期")
    arrives_from = models.TimeField("到校开始")
    arrives_until = models.TimeField("到校截止")
    gate = models.CharField("入校通道", max_length=40, blank=True)
    note = models.CharField("备注", max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ArrivalQuerySet.as_manager()

    class Meta:
        verbose_name = "错峰到校时间"
        ordering = ["day", "arrives_from", "grade__path"]
        constraints = [models.UniqueConstraint(fields=["grade", "day"], name="returns_arrival_grade_day")]

    def __str__(self) -> str:
        return f"{self.grade.name} {self.arrives_from:%H:%M}"
