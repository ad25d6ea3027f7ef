from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "dudao.projects"
    label = "projects"
    verbose_name = "维修改造项目"

    def ready(self) -> None:
        from dudao.projects import demo, home  # noqa: F401  (menu, home items, demo data)
