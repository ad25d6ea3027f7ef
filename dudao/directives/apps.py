from django.apps import AppConfig


class DirectivesConfig(AppConfig):
    name = "dudao.directives"
    label = "directives"
    verbose_name = "工作部署与报送"

    def ready(self) -> None:
        from dudao.directives import (  # noqa: F401  (register demo step, home items, periodic tasks)
            checks,
            demo,
            home,
            tasks,
        )
