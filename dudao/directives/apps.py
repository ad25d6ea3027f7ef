from django.apps import AppConfig


class DirectivesConfig(AppConfig):
    name = "dudao.directives"
    label = "directives"
    verbose_name = "工作部署与报送"

    def ready(self) -> None:
        from dudao.core.nav import nav_item
        from dudao.directives import (  # noqa: F401  (register demo step, home items, periodic tasks)
            checks,
            demo,
            home,
            indicators,
            tasks,
        )

        nav_item("工作部署", "directives:list", permission="directive.read", order=20)
        nav_item("报送表单", "directives:forms", permission="form.change", order=21)
