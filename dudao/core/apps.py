from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dudao.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from dudao.core.models import IMPORT_PERMISSIONS
        from dudao.core.nav import nav_item

        # Every signed-in user has a to-do list; for those whose home is the cockpit it is one click away.
        nav_item("我的待办", "core:home", permission=None, order=6, query="view=todos")
        nav_item("导入记录", "core:imports", permission=tuple(IMPORT_PERMISSIONS.values()), order=95, group="system")
