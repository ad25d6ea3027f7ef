"""调度会与工作专班: task forces (a named group attached to a campaign), dispatch meetings with their attendees,
minutes and decisions (议定事项), and the progress notes the owner units report on each decision.

A decision is either a tracked task (the owner unit reports progress and marks it done) or a draft directive
created in the directives module for the owner unit. Whether a decision is overdue is computed from its deadline
and done date, never stored (`dudao.meetings.selectors.decision_state`).
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dudao.orgs.scoping import scope_root_path


class MemberDuty(models.TextChoices):
    LEAD = "lead", "组长"
    DEPUTY = "deputy", "副组长"
    MEMBER = "member", "成员"
    LIAISON = "liaison", "联络员"


class TaskForceQuerySet(models.QuerySet["TaskForce"]):
    def for_user(self, user: Any | AnonymousUser, action: str = "read") -> Self:
        """Reading: task forces set up in the viewer's subtree, or with a member whose unit lies in it (a district
        head sitting on the city's 专班 sees it). Changing: set up in the subtree."""
        root = scope_root_path(user, f"meeting.{action}")
        if root is None:
            return self.none()
        own = Q(unit__path__under=root)
        if action != "read":
            return self.filter(own)
        member_of = Q(pk__in=TaskForceMember.objects.filter(person__unit__path__under=root).values("task_force_id"))
        return self.filter(own | member_of)


class TaskForce(models.Model):
    """工作专班: a named group with a lead (组长) and members from any unit, usually attached to a campaign."""

    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name="组建单位")
    name = models.CharField("专班名称", max_length=100)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="专项工作",
    )
    duties = models.TextField("工作职责", blank=True)
    is_dissolved = models.BooleanField("已撤销", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    # One key per rendered form: a double-clicked 保存 answers the first task force instead of making two.
    submit_key = models.CharField(max_length=40, blank=True)

    objects = TaskForceQuerySet.as_manager()

    class Meta:
        verbose_name = "工作专班"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "submit_key"], condition=~Q(submit_key=""), name="taskforce_submit_key_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TaskForceMember(models.Model):
    task_force = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="人员"
    )
    duty = models.CharField("专班职务", max_length=10, choices=MemberDuty.choices, default=MemberDuty.MEMBER)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "专班成员"
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task_force", "person"], name="taskforce_member_unique"),
            models.UniqueConstraint(fields=["task_force"], condition=Q(duty="lead"), name="taskforce_one_lead"),
        ]

    def __str__(self) -> str:
        return f"{self.get_duty_display()} {self.person_id}"


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def for_user(self, user: Any | AnonymousUser, action: str = "read") -> Self:
        """Reading: meetings organised in the viewer's subtree, or that gave a decision to a unit in it, or that
        a person of it attends (the minutes go to the units concerned). Changing: organised in the subtree."""
        root = scope_root_path(user, f"meeting.{action}")
        if root is None:
            return self.none()
        own = Q(unit__path__under=root)
        if action != "read":
            return self.filter(own)
        concerned = Q(pk__in=Decision.objects.filter(owner_unit__path__under=root).values("meeting_id")) | Q(
            pk__in=Attendee.objects.filter(person__unit__path__under=root).values("meeting_id")
        )
        return self.filter(own | concerned)


class Meeting(models.Model):
    """调度会: one meeting of a task force or a campaign (or of the unit alone), with its minutes and decisions."""

    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name="召集单位")
    title = models.CharField("会议名称", max_length=120)
    starts_at = models.DateTimeField("会议时间")
    place = models.CharField("会议地点", max_length=100, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="主持人"
    )
    task_force = models.ForeignKey(
        TaskForce, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings", verbose_name="工作专班"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="专项工作",
    )
    minutes = models.TextField("会议纪要", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    submit_key = models.CharField(max_length=40, blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "调度会"
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["task_force", "starts_at"], name="meeting_series_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "submit_key"], condition=~Q(submit_key=""), name="meeting_submit_key_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.TextChoices):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"


class Attendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="人员"
    )
    attendance = models.CharField("出席情况", max_length=10, choices=Attendance.choices, default=Attendance.PRESENT)
    note = models.CharField("备注", max_length=100, blank=True)

    class Meta:
        verbose_name = "参会人员"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="meeting_attendee_unique")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_attendance_display()}"


# Decisions go to units that do work: not to a grade or a class.
OWNER_KINDS = ("bureau", "office", "district", "school", "campus")


class DecisionKind(models.TextChoices):
    TASK = "task", "跟踪任务"
    DIRECTIVE = "directive", "转工作部署"


class DecisionQuerySet(models.QuerySet["Decision"]):
    def for_user(self, user: Any | AnonymousUser, action: str = "read") -> Self:
        """Reading: decisions of meetings organised in the subtree, or owned by a unit in it. `task` (reporting
        progress): owned by a unit in the subtree. `change`: of meetings organised in the subtree."""
        root = scope_root_path(user, f"meeting.{action}")
        if root is None:
            return self.none()
        if action == "task":
            return self.filter(owner_unit__path__under=root)
        if action == "read":
            return self.filter(Q(meeting__unit__path__under=root) | Q(owner_unit__path__under=root))
        return self.filter(meeting__unit__path__under=root)


class Decision(models.Model):
    """议定事项: what the meeting decided, who answers for it and by when."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    position = models.PositiveIntegerField("序号")
    text = models.TextField("议定事项")
    owner_unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name="责任单位")
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="责任人",
    )
    deadline = models.DateField("完成时限")
    kind = models.CharField("落实方式", max_length=10, choices=DecisionKind.choices, default=DecisionKind.TASK)
    # A directive-kind decision's draft in the directives module; the decision is done when it is issued.
    directive = models.ForeignKey(
        "directives.Directive", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_on = models.DateField("完成日期", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    submit_key = models.CharField(max_length=40, blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = "议定事项"
        ordering = ["meeting_id", "position", "id"]
        indexes = [models.Index(fields=["deadline", "done_on"], name="decision_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="decision_position_unique"),
            models.UniqueConstraint(
                fields=["created_by", "submit_key"], condition=~Q(submit_key=""), name="decision_submit_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text[:30]}"


class ProgressNote(models.Model):
    """A progress report on a decision by its owner unit (or the organiser's note); `marks_done` when it closed it."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("进展情况")
    marks_done = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    submit_key = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = "进展情况"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submit_key"], condition=~Q(submit_key=""), name="progress_submit_key_unique"
            )
        ]

    def __str__(self) -> str:
        return self.text[:30]
