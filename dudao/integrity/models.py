"""党风廉政 (party conduct) records of a bureau and its units:

- 一岗双责 responsibility lists: a leader's business duties and integrity duties for a year, acknowledged by the leader;
- talks (廉政谈话、任前谈话、约谈、提醒谈话): who talked with whom, when, and a summary encrypted at rest;
- festival spot checks (清明、端午、中秋、国庆、春节 under the 八项规定): a round whose targets are units (offices,
  district bureaus, schools) or people, with findings (text and a photo);
- the 三重一大 register: major decisions, appointments, projects and large expenditures with the meeting, the
  participants, the vote and the documents.

Every row hangs on an org unit (`unit`), the subtree scoping of `integrity.read`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dudao.core.crypto import EncryptedTextField
from dudao.orgs.scoping import ScopedQuerySetMixin


class DutyListQuerySet(ScopedQuerySetMixin, models.QuerySet["DutyList"]):
    scope_resource = "integrity"
    scope_path = "unit__path"


class TalkQuerySet(ScopedQuerySetMixin, models.QuerySet["Talk"]):
    scope_resource = "integrity"
    scope_path = "unit__path"


class SpotCheckQuerySet(ScopedQuerySetMixin, models.QuerySet["SpotCheck"]):
    scope_resource = "integrity"
    scope_path = "unit__path"


class SpotFindingQuerySet(ScopedQuerySetMixin, models.QuerySet["SpotFinding"]):
    scope_resource = "integrity"
    scope_path = "spot_check__unit__path"


class MatterQuerySet(ScopedQuerySetMixin, models.QuerySet["MajorMatter"]):
    scope_resource = "integrity"
    scope_path = "unit__path"


class DutyList(models.Model):
    """一岗双责: one leader's duties for one year at one unit. The leader acknowledges it (签收)."""

    unit = models.ForeignKey("orgs.OrgUnit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="领导干部", on_delete=models.PROTECT, related_name="duty_lists"
    )
    year = models.PositiveIntegerField("年度")
    post = models.CharField("职务", max_length=50)
    business_duties = models.TextField("业务工作职责")
    integrity_duties = models.TextField("党风廉政建设职责")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="制定人", on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = DutyListQuerySet.as_manager()

    class Meta:
        verbose_name = "一岗双责清单"
        ordering = ["-year", "unit__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["leader", "year", "unit"], name="integrity_duty_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.leader} 一岗双责清单"


class TalkKind(models.TextChoices):
    INTEGRITY = "integrity", "廉政谈话"
    APPOINTMENT = "appointment", "任前谈话"
    SUMMONS = "summons", "约谈"
    REMINDER = "reminder", "提醒谈话"


class Talk(models.Model):
    """A talk held by a leader or the discipline officer with a cadre; the summary is confidential."""

    unit = models.ForeignKey("orgs.OrgUnit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("谈话类型", max_length=12, choices=TalkKind.choices)
    talker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="谈话人", on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="谈话对象", on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField("谈话日期")
    place = models.CharField("地点", max_length=60, blank=True)
    summary = EncryptedTextField("谈话要点")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TalkQuerySet.as_manager()

    class Meta:
        verbose_name = "谈话记录"
        ordering = ["-held_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "talker", "subject", "held_on"], name="integrity_talk_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.subject}（{self.held_on:%Y-%m-%d}）"


class Festival(models.TextChoices):
    QINGMING = "qingming", "清明节"
    DUANWU = "duanwu", "端午节"
    ZHONGQIU = "zhongqiu", "中秋节"
    GUOQING = "guoqing", "国庆节"
    CHUNJIE = "chunjie", "春节"
    YUANDAN = "yuandan", "元旦"
    LAODONG = "laodong", "劳动节"


class SpotCheck(models.Model):
    """A festival spot check (节日期间落实中央八项规定精神明察暗访): a round with targets and findings."""

    unit = models.ForeignKey("orgs.OrgUnit", verbose_name="组织单位", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=80)
    festival = models.CharField("节日", max_length=10, choices=Festival.choices)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    focus = models.TextField("检查重点", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("结束检查时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = SpotCheckQuerySet.as_manager()

    class Meta:
        verbose_name = "节日监督检查"
        ordering = ["-starts_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="integrity_check_unique_name")]

    def __str__(self) -> str:
        return self.name


class SpotTarget(models.Model):
    """One target of a spot check: a unit (office, district bureau, school) or a person."""

    spot_check = models.ForeignKey(SpotCheck, verbose_name="检查", on_delete=models.CASCADE, related_name="targets")
    target_unit = models.ForeignKey(
        "orgs.OrgUnit", verbose_name="被检查单位", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="被检查人员",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "检查对象"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(target_unit__isnull=False) & Q(target_user__isnull=True))
                | (Q(target_unit__isnull=True) & Q(target_user__isnull=False)),
                name="integrity_target_unit_xor_user",
            ),
            models.UniqueConstraint(
                fields=["spot_check", "target_unit"],
                condition=Q(target_unit__isnull=False),
                name="integrity_target_unit_once",
            ),
            models.UniqueConstraint(
                fields=["spot_check", "target_user"],
                condition=Q(target_user__isnull=False),
                name="integrity_target_user_once",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.target_user_id is not None and self.target_user is not None:
            user = self.target_user
            return f"{user.display_name}（{user.title}）" if user.title else user.display_name
        return self.target_unit.name if self.target_unit is not None else ""

    @property
    def is_person(self) -> bool:
        return self.target_user_id is not None


class SpotFinding(models.Model):
    """What the checkers found at one target: a text and, where taken, a photo."""

    spot_check = models.ForeignKey(SpotCheck, verbose_name="检查", on_delete=models.CASCADE, related_name="findings")
    target = models.ForeignKey(SpotTarget, verbose_name="检查对象", on_delete=models.PROTECT, related_name="findings")
    found_on = models.DateField("发现日期")
    text = models.TextField("发现问题")
    is_problem = models.BooleanField("存在问题", default=True)
    photo = models.ForeignKey(
        "core.StoredFile", verbose_name="照片", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SpotFindingQuerySet.as_manager()

    class Meta:
        verbose_name = "检查发现"
        ordering = ["-found_on", "-id"]

    def __str__(self) -> str:
        return self.text[:30]


class MatterCategory(models.TextChoices):
    DECISION = "decision", "重大决策"
    APPOINTMENT = "appointment", "重要人事任免"
    PROJECT = "project", "重大项目安排"
    FUNDS = "funds", "大额资金使用"


class Vote(models.TextChoices):
    PASSED = "passed", "通过"
    REJECTED = "rejected", "未通过"
    DEFERRED = "deferred", "暂缓表决"


class MajorMatter(models.Model):
    """三重一大: one matter decided collectively at a meeting."""

    unit = models.ForeignKey("orgs.OrgUnit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    category = models.CharField("事项类别", max_length=12, choices=MatterCategory.choices)
    title = models.CharField("事项", max_length=120)
    decided_on = models.DateField("决策日期")
    meeting = models.CharField("会议", max_length=80)
    participants = models.TextField("参会人员")
    vote = models.CharField("表决结果", max_length=10, choices=Vote.choices)
    vote_detail = models.CharField("表决情况", max_length=80, blank=True)
    amount = models.DecimalField("金额（万元）", max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.TextField("备注", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = MatterQuerySet.as_manager()

    class Meta:
        verbose_name = "三重一大事项"
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "decided_on", "title"], name="integrity_matter_once"),
        ]

    def __str__(self) -> str:
        return self.title


class MatterDocument(models.Model):
    """A document of a 三重一大 matter (minutes, the decision, the contract), checked by content on upload."""

    matter = models.ForeignKey(MajorMatter, verbose_name="事项", on_delete=models.CASCADE, related_name="documents")
    file = models.ForeignKey("core.StoredFile", verbose_name="文件", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "三重一大文件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name
