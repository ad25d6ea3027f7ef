from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from treebeard.mp_tree import MP_Node, MP_NodeQuerySet

from dudao.orgs.fields import Prefix, SearchKeyField, TreePathField
from dudao.orgs.roles import Role
from dudao.orgs.scoping import ScopedQuerySetMixin
from dudao.orgs.text import initials


class UnitKind(models.TextChoices):
    BUREAU = "bureau", "教育局"
    OFFICE = "office", "科室"
    DISTRICT = "district", "区县教育局"
    SCHOOL = "school", "学校"
    CAMPUS = "campus", "校区"
    GRADE = "grade", "年级"
    CLASS = "class", "班级"


# Which kinds may sit directly under which.
ALLOWED_CHILDREN: dict[str, frozenset[str]] = {
    # A provincial department holds city bureaus (the province demo); a city bureau holds districts.
    UnitKind.BUREAU: frozenset({UnitKind.OFFICE, UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.SCHOOL}),
    UnitKind.DISTRICT: frozenset({UnitKind.OFFICE, UnitKind.SCHOOL}),
    UnitKind.SCHOOL: frozenset({UnitKind.CAMPUS, UnitKind.GRADE}),
    UnitKind.CAMPUS: frozenset({UnitKind.GRADE}),
    UnitKind.GRADE: frozenset({UnitKind.CLASS}),
    UnitKind.OFFICE: frozenset(),
    UnitKind.CLASS: frozenset(),
}


class SchoolType(models.TextChoices):
    KINDERGARTEN = "kindergarten", "幼儿园"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    NINE_YEAR = "nine_year", "九年一贯制"
    SENIOR = "senior", "高中"
    COMPLETE = "complete", "完全中学"
    VOCATIONAL = "vocational", "职业学校"
    SPECIAL = "special", "特殊教育学校"
    UNIVERSITY = "university", "高校"


class OrgUnitQuerySet(ScopedQuerySetMixin, MP_NodeQuerySet):
    scope_resource = "orgunit"
    scope_path = "path"

    def open(self) -> OrgUnitQuerySet:
        return self.filter(is_closed=False)

    def under(self, unit: OrgUnit) -> OrgUnitQuerySet:
        return self.filter(path__under=unit.path)


class OrgUnit(MP_Node):
    path = TreePathField(max_length=255, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    kind = models.CharField("类型", max_length=10, choices=UnitKind.choices)
    school_type = models.CharField("学段类型", max_length=15, choices=SchoolType.choices, blank=True)
    code = models.CharField("单位代码", max_length=30, blank=True)
    # Lower-case initials of the name and the short name, space separated: "dwzx wz".
    pinyin = models.CharField(max_length=120, blank=True, db_index=True)
    is_closed = models.BooleanField("已撤销", default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    node_order_by: list[str] = []
    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = "组织单位"
        verbose_name_plural = "组织单位"
        indexes = [models.Index(fields=["kind", "path"], name="orgunit_kind_path_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def parent_path(self) -> str:
        return self.path[: -self.steplen]

    @property
    def is_school(self) -> bool:
        return self.kind == UnitKind.SCHOOL


class RoleAssignmentQuerySet(ScopedQuerySetMixin, models.QuerySet["RoleAssignment"]):
    scope_resource = "role"
    scope_path = "unit__path"


class RoleAssignment(models.Model):
    """(user, role, unit): the role's permissions on the unit's whole subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="assignments")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="unique_role_assignment")]
        indexes = [models.Index(fields=["role", "unit"], name="assignment_role_unit_idx")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.unit.name}"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class StudentStatus(models.TextChoices):
    ENROLLED = "enrolled", "在籍"
    LEFT = "left", "已离校"


class StudentQuerySet(ScopedQuerySetMixin, models.QuerySet["Student"]):
    scope_resource = "student"
    scope_path = "klass__path"

    def bulk_create(self, objs: Iterable[Student], *args: Any, **kwargs: Any) -> list[Student]:
        """Bulk inserts skip save(): the initials are filled here too (roster import, factories)."""
        objs = list(objs)
        for student in objs:
            student.fill_initials()
        return super().bulk_create(objs, *args, **kwargs)


# Initials of a name, as many letters as the column keeps: 欧阳娜娜 → oynn.
NAME_INITIALS_LENGTH = 20


def name_initials(name: str) -> str:
    return initials(name)[:NAME_INITIALS_LENGTH]


class Student(models.Model):
    klass = models.ForeignKey(OrgUnit, verbose_name="班级", on_delete=models.PROTECT, related_name="students")
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    student_no = models.CharField("学籍号", max_length=30, unique=True)
    id_card_no = models.CharField("身份证号", max_length=18, blank=True)
    is_boarding = models.BooleanField("住校", default=False)
    is_left_behind = models.BooleanField("留守儿童", default=False)
    is_in_hardship = models.BooleanField("困境儿童", default=False)
    is_disabled = models.BooleanField("残疾儿童", default=False)
    is_migrant = models.BooleanField("随迁子女", default=False)
    status = models.CharField("状态", max_length=10, choices=StudentStatus.choices, default=StudentStatus.ENROLLED)
    # Pinyin initials of the name (张三 → zs), kept with the name by save() and bulk_create; searched by prefix.
    name_initials = SearchKeyField(max_length=NAME_INITIALS_LENGTH, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = StudentQuerySet.as_manager()

    class Meta:
        verbose_name = "学生"
        verbose_name_plural = "学生"
        indexes = [
            # Enrolment per class (dudao.orgs.enrolment) read from the index alone, without the table's rows.
            models.Index(fields=["klass", "status", "is_left_behind", "is_in_hardship"], name="student_enrolment"),
            # Global search by the beginning of a name or of its initials (`__prefix`), at any scope. The
            # operator class lets PostgreSQL's LIKE 'q%' use them; SQLite's GLOB uses them as they are.
            models.Index(fields=["name"], name="student_name_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_initials"], name="student_initials", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.fill_initials()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_initials"}
        super().save(*args, **kwargs)

    def fill_initials(self) -> None:
        self.name_initials = name_initials(self.name)


# `name__prefix`: the beginning of a name, answered by the index above (a substring has none).
Student._meta.get_field("name").register_lookup(Prefix)


class GuardianRelation(models.TextChoices):
    FATHER = "father", "父亲"
    MOTHER = "mother", "母亲"
    GRANDFATHER = "grandfather", "祖父"
    GRANDMOTHER = "grandmother", "祖母"
    MATERNAL_GRANDFATHER = "m_grandfather", "外祖父"
    MATERNAL_GRANDMOTHER = "m_grandmother", "外祖母"
    OTHER = "other", "其他监护人"


class Guardian(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField("姓名", max_length=50)
    relation = models.CharField("关系", max_length=15, choices=GuardianRelation.choices)
    phone = models.CharField("手机号", max_length=20)
    is_primary = models.BooleanField("第一监护人", default=False)

    class Meta:
        verbose_name = "监护人"
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relation_display()}）"


# ----- unit tags (风险标签) -----------------------------------------------------------------------------------

# The tags every deployment has, in the order pages list them; a bureau or district adds its own.
BUILTIN_TAGS: tuple[tuple[str, str], ...] = (
    ("地势低洼", "暴雨时易积水内涝"),
    ("水库下游", "位于水库、山塘下游"),
    ("河流沿岸", "临近江河、溪流"),
    ("山体边坡", "校舍或围墙紧邻山体、边坡，有滑坡、落石隐患"),
    ("临街", "校门临主干道"),
    ("寄宿制", "有学生住校"),
    ("有校车", "有学生乘坐校车"),
    ("有食堂", "自办或承包食堂"),
    ("农村小规模", "农村小规模学校或教学点"),
    ("林区周边", "临近林区，森林火险高"),
)


class UnitTagQuerySet(ScopedQuerySetMixin, models.QuerySet["UnitTag"]):
    """Tags a reader may use: the built-in ones and those defined at or above the reader's unit."""

    scope_resource = "unittag"
    scope_path = "owner__path"


class UnitTag(models.Model):
    """A risk or feature tag schools carry (地势低洼, 寄宿制 …): built-in, or defined by a bureau for its subtree."""

    name = models.CharField("标签", max_length=20)
    description = models.CharField("说明", max_length=200, blank=True)
    # Empty for built-in tags; otherwise the unit whose subtree may use the tag.
    owner = models.ForeignKey(
        OrgUnit, verbose_name="定义单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_builtin = models.BooleanField("内置", default=False)
    position = models.PositiveSmallIntegerField(default=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = UnitTagQuerySet.as_manager()

    class Meta:
        verbose_name = "单位标签"
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], condition=models.Q(owner=None), name="unittag_builtin_name"),
            models.UniqueConstraint(fields=["owner", "name"], name="unittag_owner_name"),
        ]

    def __str__(self) -> str:
        return self.name


class UnitTaggingQuerySet(ScopedQuerySetMixin, models.QuerySet["UnitTagging"]):
    scope_resource = "unittag"
    scope_path = "unit__path"


class UnitTagging(models.Model):
    """One school carrying one tag."""

    tag = models.ForeignKey(UnitTag, on_delete=models.CASCADE, related_name="taggings")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="taggings")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = UnitTaggingQuerySet.as_manager()

    class Meta:
        verbose_name = "单位标签记录"
        constraints = [models.UniqueConstraint(fields=["tag", "unit"], name="unique_unit_tagging")]
        indexes = [models.Index(fields=["unit", "tag"], name="unittagging_unit_tag_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.tag_id}"
