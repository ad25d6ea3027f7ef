from __future__ import annotations

from typing import Any

from django import template

from dudao.orgs.roles import Role
from dudao.orgs.scoping import can

register = template.Library()


@register.filter
def may(user: Any, permission: str) -> bool:
    """`{% if user|may:"homevisit.read" %}`: whether the acting role grants a permission (tabs and links)."""
    return can(user, permission)


ACTION_LABELS = {
    "case_read": "查看个案",
    "case_write": "修改个案",
    "case_print": "打印",
    "case_export": "导出名单",
    "case_list": "名单列表",
    "case_register": "一校一册名单",
    "case_file": "查看附件",
    "case_api": "接口读取",
    "case_api_list": "接口列表",
    "case_api_notes": "接口读取记录",
    "case_api_register": "接口读取名单",
    "case_search": "全局搜索结果",
    "case_denied": "被拒绝的访问",
    "break_glass": "开启紧急授权",
}


@register.filter
def access_label(action: str) -> str:
    return ACTION_LABELS.get(action, "其他方式")


@register.filter
def role_label(role: str) -> str:
    """A role code stored without choices (a break-glass grant's role) by its Chinese name."""
    return str(Role(role).label) if role in Role.values else "其他身份"
