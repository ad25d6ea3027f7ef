"""Chinese names for audit actions and object types, for pages and exports."""

from __future__ import annotations

from typing import Any

ACTION_LABELS = {
    "create": "新增",
    "update": "修改",
    "rename": "改名",
    "move": "移动",
    "close": "撤销单位",
    "assign": "授予角色",
    "revoke": "撤销",
    "login": "登录",
    "login_failed": "登录失败",
    "login_throttled": "同一地址登录失败过多（已暂停登录）",
    "change_password": "修改密码",
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
    "activate": "启用账户",
    "deactivate": "停用账户",
    "reset_password": "重置密码",
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
}


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key, key)


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def object_label(code: str) -> str:
    return OBJECT_LABELS.get(code, code)


def _value(value: Any) -> str:
    if value in (None, ""):
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(field_label(str(v)) for v in value)
    return str(value)


def describe_changes(changes: dict[str, Any], *, is_diff: bool = True) -> list[str]:
    """{"name": ["甲", "乙"]} → ["name：甲 → 乙"]; create/delete snapshots field by field.

    Access and login events carry details, not diffs (`is_diff=False`): values are listed as they are.
    """
    lines: list[str] = []
    for key, value in changes.items():
        label = field_label(key)
        if not is_diff:
            lines.append(f"{label}：{_value(value)}")
        elif key in ("after", "before") and isinstance(value, dict):
            arrow = "＋" if key == "after" else "－"
            lines.extend(f"{arrow} {field_label(field)}：{_value(v)}" for field, v in value.items())
        elif isinstance(value, list) and len(value) == 2:
            lines.append(f"{label}：{_value(value[0])} → {_value(value[1])}")
        else:
            lines.append(f"{label}：{_value(value)}")
    return lines
