"""值班值守: duty rosters and shifts, sign-ins and the duty log; 应急预案 with steps, 演练 drills, 迎检响应
(inspection response checklists) and 离市外出审批 (leave-the-city requests during a campaign period)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone

from dudao.orgs.roles import Role
from dudao.orgs.scoping import ScopedQuerySetMixin


class RosterStatus(models.TextChoices):
    DRAFT = "draft", "编排中"
    PUBLISHED = "published", "已发布"


class RosterQuerySet(ScopedQuerySetMixin, models.QuerySet["DutyRoster"]):
    scope_resource = "duty"
    scope_path = "unit__path"


class DutyRoster(models.Model):
    """A unit's duty plan for a holiday or key period (暑假值班表, 国庆值班表)."""

    unit = models.ForeignKey("orgs.OrgUnit", verbose_name="单位", on_delete=models.PROTECT, related_name="rosters")
    title = models.CharField("名称", max_length=100)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    status = models.CharField("状态", max_length=10, choices=RosterStatus.choices, default=RosterStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RosterQuerySet.as_manager()

    class Meta:
        verbose_name = "值班表"
        ordering = ["-starts_on", "id"]

    def __str__(self) -> str:
        return self.title


class ShiftRole(models.TextChoices):
    LEADER = "leader", "带班领导"
    STAFF = "staff", "值班人员"


class ShiftQuerySet(ScopedQuerySetMixin, models.QuerySet["DutyShift"]):
    scope_resource = "duty"
    scope_path = "unit__path"


class DutyShift(models.Model):
    """One person on duty for one unit from `starts_at` to `ends_at` (night shifts cross midnight).

    `unit` repeats the roster's unit so that "who is on duty now" is one indexed query without the roster."""

    roster = models.ForeignKey(DutyRoster, on_delete=models.CASCADE, related_name="shifts")
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="duty_shifts")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="值班人", on_delete=models.PROTECT, related_name="duty_shifts"
    )
    role = models.CharField("岗位", max_length=10, choices=ShiftRole.choices, default=ShiftRole.STAFF)
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    phone = models.CharField("值班电话", max_length=20, blank=True)
    # Set by the 09:30 check when the shift had started and nobody had signed in; kept after a late sign-in.
    missed_flagged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = "值班班次"
        ordering = ["starts_at", "role", "id"]
        indexes = [
            models.Index(fields=["starts_at", "ends_at"], name="duty_shift_time_idx"),
            models.Index(fields=["person", "starts_at"], name="duty_shift_person_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="duty_shift_positive")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def signin_record(self) -> DutySignIn | None:
        try:
            return self.signin
        except ObjectDoesNotExist:
            return None


class SignInQuerySet(ScopedQuerySetMixin, models.QuerySet["DutySignIn"]):
    scope_resource = "duty"
    scope_path = "shift__unit__path"


class DutySignIn(models.Model):
    """The person on duty signing in at the start of the shift. The device is kept as is (user agent and
    client IP): duty records are internal accountability records, read only by the unit and above."""

    shift = models.OneToOneField(DutyShift, on_delete=models.CASCADE, related_name="signin")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField("设备", max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    is_late = models.BooleanField("迟到", default=False)

    objects = SignInQuerySet.as_manager()

    class Meta:
        verbose_name = "值班签到"
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"签到 {self.signed_at:%Y-%m-%d %H:%M}"


class LogKind(models.TextChoices):
    EVENT = "event", "事件"
    CALL = "call", "来电"
    PATROL = "patrol", "巡查"


class LogOutcome(models.TextChoices):
    HANDLED = "handled", "已处置"
    ESCALATED = "escalated", "已上报"
    NOTED = "noted", "已记录"


class DutyLogEntry(models.Model):
    shift = models.ForeignKey(DutyShift, on_delete=models.CASCADE, related_name="log_entries")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", default=timezone.now)
    kind = models.CharField("类型", max_length=10, choices=LogKind.choices)
    text = models.CharField("内容", max_length=500)
    outcome = models.CharField("处理结果", max_length=10, choices=LogOutcome.choices)
    escalated_to = models.CharField("上报对象", max_length=100, blank=True)

    class Meta:
        verbose_name = "值班日志"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class PlanType(models.TextChoices):
    INSPECTION = "inspection", "迎检"
    FLOOD = "flood", "防汛"
    DROWNING = "drowning", "防溺水"
    EPIDEMIC = "epidemic", "疫情防控"
    FOOD_SAFETY = "food_safety", "食品安全"
    FIRE = "fire", "消防"


class PlanQuerySet(ScopedQuerySetMixin, models.QuerySet["ContingencyPlan"]):
    scope_resource = "plan"
    scope_path = "unit__path"


class ContingencyPlan(models.Model):
    """应急预案: one per unit and type; its steps name the roles responsible."""

    unit = models.ForeignKey("orgs.OrgUnit", verbose_name="单位", on_delete=models.PROTECT, related_name="plans")
    plan_type = models.CharField("类型", max_length=15, choices=PlanType.choices)
    title = models.CharField("名称", max_length=100)
    summary = models.TextField("总体要求", blank=True, max_length=2000)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = "应急预案"
        ordering = ["plan_type", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "plan_type"], name="one_plan_per_unit_type")]

    def __str__(self) -> str:
        return self.title


class PlanStep(models.Model):
    plan = models.ForeignKey(ContingencyPlan, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField("序号")
    title = models.CharField("步骤", max_length=100)
    detail = models.CharField("要求", max_length=500, blank=True)
    responsible_role = models.CharField("责任角色", max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = "预案步骤"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class DrillQuerySet(ScopedQuerySetMixin, models.QuerySet["Drill"]):
    scope_resource = "drill"
    scope_path = "unit__path"


class Drill(models.Model):
    unit = models.ForeignKey("orgs.OrgUnit", verbose_name="单位", on_delete=models.PROTECT, related_name="drills")
    plan = models.ForeignKey(ContingencyPlan, verbose_name="预案", on_delete=models.PROTECT, related_name="drills")
    held_on = models.DateField("演练日期")
    participants = models.PositiveIntegerField("参与人数")
    duration_minutes = models.PositiveIntegerField("时长（分钟）")
    evaluation = models.CharField("评估", max_length=1000, blank=True)
    photos = models.ManyToManyField("core.StoredFile", blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = DrillQuerySet.as_manager()

    class Meta:
        verbose_name = "演练"
        ordering = ["-held_on", "id"]

    def __str__(self) -> str:
        return f"{self.plan.get_plan_type_display()}演练 {self.held_on}"


class InspectionResponse(models.Model):
    """迎检响应: the bureau says an inspection is coming to the chosen schools."""

    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("名称", max_length=100)
    expected_on = models.DateField("预计检查日期")
    note = models.CharField("说明", max_length=500, blank=True)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "迎检响应"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ResponseSchoolQuerySet(ScopedQuerySetMixin, models.QuerySet["ResponseSchool"]):
    scope_resource = "plan"
    scope_path = "school__path"


class ResponseSchool(models.Model):
    response = models.ForeignKey(InspectionResponse, on_delete=models.CASCADE, related_name="schools")
    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    # The 迎检 plan the checklist came from: the school's own, else the nearest one above it; none → flagged.
    plan = models.ForeignKey(ContingencyPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ResponseSchoolQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "school"], name="one_response_per_school")]

    def __str__(self) -> str:
        return f"{self.response} @ {self.school_id}"


class ResponseTask(models.Model):
    target = models.ForeignKey(ResponseSchool, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=100)
    detail = models.CharField(max_length=500, blank=True)
    responsible_role = models.CharField(max_length=20, choices=Role.choices)
    # The first of the school's people holding the role; null when nobody does (the school office steps in).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class LeaveCampaign(models.Model):
    """The period during which heads of units may not leave the city without approval."""

    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("名称", max_length=100)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "管控期"
        ordering = ["-starts_on", "id"]

    def __str__(self) -> str:
        return self.title


class LeaveStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"
    WITHDRAWN = "withdrawn", "已撤回"


class LeaveQuerySet(ScopedQuerySetMixin, models.QuerySet["LeaveRequest"]):
    scope_resource = "leave"
    scope_path = "unit__path"


class LeaveRequest(models.Model):
    campaign = models.ForeignKey(LeaveCampaign, on_delete=models.PROTECT, related_name="requests")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leave_requests")
    unit = models.ForeignKey("orgs.OrgUnit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField("离开日期")
    ends_on = models.DateField("返回日期")
    destination = models.CharField("目的地", max_length=100)
    reason = models.CharField("事由", max_length=300)
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="代管负责人", on_delete=models.PROTECT, related_name="+"
    )
    # Shifts of the applicant inside the dates, found at filing: a warning for the approver, not a refusal.
    overlapping_shifts = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = LeaveQuerySet.as_manager()

    class Meta:
        verbose_name = "离市外出申请"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="leave_dates_ordered")
        ]

    def __str__(self) -> str:
        return f"{self.destination} {self.starts_on}–{self.ends_on}"
