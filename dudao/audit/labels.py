"""Chinese names for audit actions and object types, for pages and exports."""

from __future__ import annotations

import functools
import re
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from dudao.core import indicators

ACTION_LABELS = {
    # General
    "create": "新增",
    "update": "修改",
    "change": "修改",
    "delete": "删除",
    "rename": "改名",
    "move": "移动",
    "close": "关闭",
    "assign": "指派",
    "revoke": "撤销",
    "merge": "合并",
    "split": "拆分",
    "append": "追加",
    "attach": "加入",
    "detach": "移出",
    "cascade": "逐级下发",
    "issue": "下发",
    "publish": "发布",
    "submit": "提交",
    "return": "退回",
    "approve": "审核通过",
    "sign": "签收",
    "respond": "回复",
    "escalate": "升级上报",
    "remind": "提醒",
    "log": "记录",
    "import": "导入",
    "export": "导出",
    "generate": "生成",
    "withdraw": "撤回",
    "acknowledge": "确认收到",
    "acknowledge_flag": "确认数据疑点",
    "progress": "更新进度",
    # Accounts and the org tree
    "login": "登录",
    "login_failed": "登录失败",
    "login_throttled": "同一地址登录失败过多（已暂停登录）",
    "change_password": "修改密码",
    "reset_password": "重置密码",
    "activate": "启用账户",
    "deactivate": "停用账户",
    "view_unmasked": "查看完整个人信息",
    "export_roster": "导出名册",
    "export_audit": "导出审计记录",
    "export_receipts": "导出回执",
    "start_export": "发起导出",
    "download_export": "下载导出文件",
    "delete_export": "删除导出文件",
    "expire_export": "导出文件过期删除",
    "start_import": "发起后台导入",
    "import_roster": "导入名册",
    "import_create": "导入新增",
    "import_update": "导入更新",
    "demo_load": "载入演示数据",
    "transfer": "转班",
    "leave": "办理离校",
    # Inspections and the ledger
    "indicator_create": "新增指标",
    "indicator_update": "修改指标",
    "indicator_delete": "删除指标",
    "team_create": "组建测评组",
    "teams_split": "拆分测评组",
    "check_target": "完成测评对象",
    "finding_create": "记录问题",
    "photo_add": "上传照片",
    "trigger_inspection": "发起迎检",
    "request_closeout": "申请销号",
    "verify_closeout": "销号验收通过",
    "reject_closeout": "销号验收退回",
    "recheck": "复查",
    "posting_create": "生成公示",
    "posting_revoke": "撤下公示",
    "overdue_digest": "逾期汇总提醒",
    # Directives and reports
    "open_period": "开放报送期",
    "create_drafts": "生成部署草稿",
    "confirm_read": "确认已读",
    "add_reminder": "添加提醒",
    "remind_manual": "催报",
    "remind_due": "今日截止提醒",
    "remind_digest": "逾期汇总提醒",
    "remind_t-1": "截止前一天提醒",
    "remind_t-2": "截止前两天提醒",
    # Notices
    "send": "发送",
    "queue_send": "排队发送",
    "send_sms": "发送短信",
    "phone_confirm": "电话确认回执",
    "revoke_link": "作废家长链接",
    "view_pending_guardians": "查看未确认家长",
    "upload_image": "上传告知书图片",
    # Health
    "health_check_correct": "更正晨午检",
    "health_absence_view": "查看缺勤名单",
    "health_followup": "因病缺勤追踪",
    "health_clearance": "复课证明",
    "health_supply": "登记防疫物资",
    "health_alert": "疫情预警",
    "health_alert_ack": "签收预警",
    "health_alert_report": "上报预警处置",
    "health_alert_measure": "记录处置措施",
    "health_alert_escalate": "预警升级",
    "health_alert_close": "关闭预警",
    # Cases (一生一案)
    "case_open": "建立个案",
    "case_note": "记录个案进展",
    "case_level": "调整风险等级",
    "case_crisis": "启动危机干预",
    "crisis_step": "记录危机干预步骤",
    "case_review": "个案评估",
    "case_close": "结案",
    "case_archive": "个案归档",
    "case_purge": "清除到期个案",
    "case_attachment": "个案附件",
    "case_referral": "转介",
    "case_key_rotate": "更换个案加密密钥",
    "case_exists": "查询是否已有个案",
    "case_lookup": "按学籍号查找个案",
    "case_denied": "查看个案被拒绝",
    "case_read": "查看个案",
    "case_page": "查看个案",
    "case_print": "打印个案",
    "case_export": "导出个案",
    "case_list": "查看个案列表",
    "case_search": "在全局搜索中查看个案",
    "case_register": "查看控辍保学台账",
    "case_api": "通过接口查看个案",
    "case_api_read": "通过接口查看个案",
    "case_api_list": "通过接口查看个案列表",
    "case_api_notes": "通过接口查看个案进展",
    "case_api_register": "通过接口查看控辍保学台账",
    "break_glass": "紧急调阅",
    "dropout_update": "更新劝返情况",
    "dropout_suggest": "提出辍学疑似",
    "dropout_dismiss": "排除辍学疑似",
    "screening_import": "导入心理筛查结果",
    "screening_dismiss": "排除筛查提示",
    "suggestion_list": "查看建案提示",
    "home_visit": "记录家访",
    "visit_page": "查看家访记录",
    "visit_list": "查看家访记录",
    "visit_api": "通过接口查看家访记录",
    "counsellor_profile": "维护心理教师信息",
    "counselling_room": "维护心理辅导室",
    # Duty
    "add_shift": "添加班次",
    "remove_shift": "删除班次",
    "import_shifts": "导入值班表",
    "sign_in": "值班签到",
    "missed_sign_in": "值班未签到",
    "save_plan": "保存预案",
    "record_drill": "记录演练",
    "file_leave": "提交请假",
    "approve_leave": "批准请假",
    "withdraw_leave": "撤回请假",
    "complete_task": "完成迎检任务",
    # Campaigns, meetings, briefings
    "add_units": "添加责任单位",
    "remove_unit": "移出责任单位",
    "set_responsibility": "填写责任清单",
    "request_generate": "申请生成通报",
    "create_task_force": "成立工作专班",
    "update_task_force": "修改工作专班",
    "dissolve_task_force": "撤销工作专班",
    "create_meeting": "安排调度会",
    "update_meeting": "修改调度会",
    "save_minutes": "保存会议纪要",
    "add_attendees": "添加参会人",
    "remove_attendee": "移除参会人",
    "record_attendance": "登记出席",
    "add_decision": "添加议定事项",
    "update_decision": "修改议定事项",
    "complete_decision": "办结议定事项",
    "reopen_decision": "重新打开议定事项",
    # Appraisal and supervision
    "create_scheme": "新建考评方案",
    "update_scheme": "修改考评方案",
    "copy_scheme": "复制考评方案",
    "add_scheme_item": "添加考评项目",
    "remove_scheme_item": "删除考评项目",
    "announce_scheme": "公布考评方案",
    "score_manual_item": "人工评分",
    "add_deduction": "扣分",
    "set_veto": "一票否决",
    "lift_veto": "取消一票否决",
    "compute_results": "计算考评结果",
    "freeze_results": "锁定考评结果",
    "publish_results": "公布考评结果",
    "file_objection": "提出申诉",
    "accept_objection": "采纳申诉",
    "reject_objection": "驳回申诉",
    "issue_target_book": "下达目标责任书",
    "sign_target_book": "签订目标责任书",
    "accountability_list": "查看问责记录列表",
    "accountability_read": "查看问责记录",
    "accountability_page": "查看问责记录",
    "accountability_api_list": "通过接口查看问责记录",
    "accountability_api_read": "通过接口查看问责记录",
    # 消息中心
    "message_preferences": "修改消息设置",
    "message_bind": "绑定推送账号",
    "message_bind_verify": "验证推送账号",
    "message_unbind": "解绑推送账号",
    "push_retry": "重试失败的推送",
    "push_retry_all": "批量重试失败的推送",
    # 教师档案
    "update_profile": "修改教师档案",
    "add_certificate": "登记证书",
    "remove_certificate": "删除证书",
    "transfer_staff": "人员调动",
    "import_staff_profiles": "导入教师档案",
    "export_staff_profiles": "导出教师档案",
    # 门卫登记
    "visitor_register": "来访登记",
    "visitor_check_out": "访客离校",
    "visitor_trace": "查询访客记录（追踪）",
    "visitor_export": "导出访客记录",
    "visitor_purge": "清除到期访客记录",
    # 党风廉政
    "integrity_view": "查阅党风廉政记录",
    "integrity_duty_create": "制定一岗双责清单",
    "integrity_duty_update": "修改一岗双责清单",
    "integrity_duty_acknowledge": "签收一岗双责清单",
    "integrity_talk_create": "登记谈话",
    "integrity_talk_update": "修改谈话记录",
    "integrity_check_create": "新建节日监督检查",
    "integrity_check_update": "修改节日监督检查",
    "integrity_check_close": "结束节日监督检查",
    "integrity_targets_add": "添加检查对象",
    "integrity_target_remove": "移除检查对象",
    "integrity_finding_add": "记录检查发现",
    "integrity_matter_create": "登记三重一大事项",
    "integrity_matter_update": "修改三重一大事项",
    "integrity_matter_documents": "上传三重一大文件",
}
OBJECT_LABELS = {
    "orgs.orgunit": "单位",
    "orgs.student": "学生",
    "orgs.roleassignment": "角色授权",
    "exports.exportjob": "导出文件",
    "exports.importjob": "导入任务",
    "accounts.user": "账户",
    "accounts.apitoken": "API 令牌",
    "accounts.loginattempt": "登录尝试",
    "audit.auditevent": "审计记录",
    "demo.city": "演示数据",
    "integrity.dutylist": "一岗双责清单",
    "integrity.talk": "谈话记录",
    "integrity.spotcheck": "节日监督检查",
    "integrity.majormatter": "三重一大事项",
}


FIELD_LABELS = {
    "name": "名称",
    "short_name": "简称",
    "kind": "类型",
    "school_type": "学段类型",
    "code": "代码",
    "path": "树路径",
    "parent": "上级单位",
    "is_closed": "已撤销",
    "closed_reason": "撤销原因",
    "klass": "班级",
    "klass_id": "班级",
    "gender": "性别",
    "birth_date": "出生日期",
    "student_no": "学籍号",
    "id_card_no": "身份证号",
    "status": "状态",
    "reason": "原因",
    "guardians": "监护人",
    "guardian_phones": "监护人电话",
    "fields": "查看项目",
    "unmasked_id": "含完整身份证号",
    "unmasked_student_no": "含完整学籍号",
    "unmasked_phone": "含完整电话",
    "rows": "行数",
    "role": "角色",
    "unit": "单位",
    "user": "账户",
    "username": "用户名",
    "full_name": "姓名",
    "phone": "手机号",
    "title": "职务",
    "is_active": "启用",
    "password": "密码",
    "tokens_revoked": "撤销令牌数",
    "prefix": "令牌前缀",
    "expires_at": "到期",
    "revoked_at": "撤销时间",
    "file": "文件",
    "created": "新增",
    "updated": "更新",
    "unchanged": "未变化",
    "filters": "筛选条件",
    "is_boarding": "住校",
    "is_left_behind": "留守儿童",
    "is_in_hardship": "困境儿童",
    "is_disabled": "残疾儿童",
    "is_migrant": "随迁子女",
    "scale": "规模",
    "ip": "IP 地址",
    "failures": "失败次数",
    "window_minutes": "统计时长（分钟）",
    "usernames": "尝试的用户名",
    "seed": "随机种子",
    "via": "方式",
    "break_glass": "紧急授权",
    "denied": "被拒绝",
    "count": "数量",
    "cases": "个案",
    "case_ids": "个案",
    "ids": "记录",
}


# What a page shows for a code nobody has named yet (the exact code is kept in the cell's title and the export).
UNKNOWN_ACTION = "其他操作"
UNKNOWN_OBJECT = "其他对象"
UNKNOWN_FIELD = "其他项"
_CODE_RE = re.compile(r"[a-z][a-z0-9_]*")
_INDICATOR_RE = re.compile(r"[a-z_]+\.[a-z_.]+")
_REFERENCE_RE = re.compile(r"([a-z_]+):(\d+)")


def _is_chinese(text: str) -> bool:
    return not text.isascii()


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, key: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(key.removesuffix("_id"))
    except FieldDoesNotExist:
        return None


@functools.cache
def _model_fields() -> dict[str, str]:
    """Field name → its Chinese verbose name, over every model (the first model to name a field wins)."""
    labels: dict[str, str] = {}
    for model in apps.get_models():
        for f in model._meta.get_fields():
            verbose = str(getattr(f, "verbose_name", "") or "")
            if _is_chinese(verbose):
                labels.setdefault(f.name, verbose)
                labels.setdefault(f"{f.name}_id", verbose)
    return labels


@functools.cache
def _model_choices() -> dict[str, str]:
    """Choice value → its label, over every model's choices (statuses, kinds, roles…)."""
    labels: dict[str, str] = {}
    for model in apps.get_models():
        for f in model._meta.get_fields():
            for value, label in getattr(f, "choices", None) or []:
                if isinstance(value, str) and _is_chinese(str(label)):
                    labels.setdefault(value, str(label))
    return labels


# Stored codes that are no model's choices: how a record was read (`via`) and similar details.
VALUE_LABELS = {
    "list": "列表",
    "page": "详情页",
    "read": "查看",
    "print": "打印",
    "export": "导出",
    "register": "名册",
    "search": "全局搜索",
    "api": "接口",
    "api_list": "接口列表",
    "api_read": "接口查看",
    "api_notes": "接口查看进展",
    "api_register": "接口查看名册",
    # Kinds of objects a campaign or a scheme draws on, beside the apps' own names.
    "task_forces": "工作专班",
    "decisions": "议定事项",
    "accountability": "问责记录",
    "commendations": "通报表扬",
    # Demo scales
    "small": "小规模（约 2 万名学生）",
    "city": "全市规模",
    "province": "全省规模",
}


def _dotted(code: str) -> str:
    """`meetings.decisions` (a module's kind of row, as the demo counts them) → 调度会 · 议定事项; "" if not such."""
    app, _, rest = code.partition(".")
    names = _app_names()
    if app not in names or not _CODE_RE.fullmatch(rest):
        return ""
    inner = VALUE_LABELS.get(rest) or _model_fields().get(rest) or _app_names().get(rest) or _model_named(rest)
    return f"{names[app]} · {inner}" if inner else names[app]


def _model_named(code: str) -> str:
    """`supervision_order` / `accountability` → the Chinese name of the model so called, or ""."""
    wanted = code.replace("_", "")
    for model in apps.get_models():
        name = model._meta.model_name or ""
        if wanted in (name, name + "s", name.removesuffix("record")):
            verbose = str(model._meta.verbose_name)
            return verbose if _is_chinese(verbose) else ""
    return ""


def field_label(key: str, object_type: str = "") -> str:
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    if dotted := _dotted(key):
        return dotted
    f = _field(_model(object_type), key) if object_type else None
    verbose = str(getattr(f, "verbose_name", "") or "")
    if _is_chinese(verbose):
        return verbose
    return _model_fields().get(key) or (UNKNOWN_FIELD if _CODE_RE.fullmatch(key) else key)


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, UNKNOWN_ACTION)


def object_label(code: str) -> str:
    if code in OBJECT_LABELS:
        return OBJECT_LABELS[code]
    model = _model(code)
    verbose = str(model._meta.verbose_name) if model is not None else ""
    return verbose if _is_chinese(verbose) else UNKNOWN_OBJECT


def _value(value: Any, key: str = "", object_type: str = "") -> str:
    if value in (None, ""):
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(
            _value(v, key, object_type) if not isinstance(v, str) else _code_value(v, key, object_type) for v in value
        )
    if isinstance(value, str):
        return _code_value(value, key, object_type)
    if isinstance(value, dict):  # settings kept as a mapping (weights per module, counts per kind)
        return "，".join(f"{_code_value(str(k), '', '')} {_value(v)}" for k, v in value.items())
    return str(value)


def _code_value(value: str, key: str, object_type: str) -> str:
    """A stored code (a status, a kind, a role, a field name in a list, a monitoring figure, a module) shown by its
    label; other text as it is."""
    indicator = indicators.get(value) if _INDICATOR_RE.fullmatch(value) else None
    if indicator is not None:
        return indicator.name
    if _INDICATOR_RE.fullmatch(value) and (dotted := _dotted(value)):
        return dotted
    if reference := _REFERENCE_RE.fullmatch(value):  # "supervision_order:2" → 督办单 #2
        name = _model_named(reference.group(1))
        return f"{name} #{reference.group(2)}" if name else value
    if not _CODE_RE.fullmatch(value):
        return value or "（空）"
    f = _field(_model(object_type), key) if object_type else None
    choices = dict(getattr(f, "choices", None) or [])
    if value in choices:
        return str(choices[value])
    if value in VALUE_LABELS:
        return VALUE_LABELS[value]
    if value in FIELD_LABELS:
        return FIELD_LABELS[value]
    return (
        _model_choices().get(value)
        or _model_fields().get(value)
        or ACTION_LABELS.get(value)
        or _app_names().get(value)
        or value
    )


@functools.cache
def _app_names() -> dict[str, str]:
    """An app's label (a module key such as `cases` in a campaign's settings) → its Chinese name."""
    return {
        config.label: str(config.verbose_name)
        for config in apps.get_app_configs()
        if _is_chinese(str(config.verbose_name))
    }


def describe_changes(changes: dict[str, Any], *, is_diff: bool = True, object_type: str = "") -> list[str]:
    """{"name": ["甲", "乙"]} → ["名称：甲 → 乙"]; create/delete snapshots field by field.

    Access and login events carry details, not diffs (`is_diff=False`): values are listed as they are. Field
    names and stored codes are shown by their Chinese names (this module's tables, then the models' own).
    """
    lines: list[str] = []
    for key, value in changes.items():
        label = field_label(key, object_type)
        if not is_diff:
            lines.append(f"{label}：{_value(value, key, object_type)}")
        elif key in ("after", "before") and isinstance(value, dict):
            arrow = "＋" if key == "after" else "－"
            lines.extend(
                f"{arrow} {field_label(name, object_type)}：{_value(v, name, object_type)}" for name, v in value.items()
            )
        elif isinstance(value, list) and len(value) == 2:
            old, new = (_value(v, key, object_type) for v in value)
            lines.append(f"{label}：{old} → {new}")
        else:
            lines.append(f"{label}：{_value(value, key, object_type)}")
    return lines
