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
    "change_password": "修改密码",
    "view_unmasked": "查看完整个人信息",
    "export_roster": "导出名册",
    "export_audit": "导出审计记录",
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
    "accounts.user": "账户",
    "accounts.apitoken": "API 令牌",
    "audit.auditevent": "审计记录",
    "demo.city": "演示数据",
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def object_label(code: str) -> str:
    return OBJECT_LABELS.get(code, code)


def _value(value: Any) -> str:
    if value in (None, ""):
        return "（空）"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def describe_changes(changes: dict[str, Any]) -> list[str]:
    """{"name": ["甲", "乙"]} → ["name：甲 → 乙"]; create/delete snapshots field by field."""
    lines: list[str] = []
    for key, value in changes.items():
        if key in ("after", "before") and isinstance(value, dict):
            arrow = "＋" if key == "after" else "－"
            lines.extend(f"{arrow} {field}：{_value(v)}" for field, v in value.items())
        elif isinstance(value, list) and len(value) == 2:
            lines.append(f"{key}：{_value(value[0])} → {_value(value[1])}")
        else:
            lines.append(f"{key}：{_value(value)}")
    return lines
