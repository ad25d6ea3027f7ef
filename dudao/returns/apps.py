from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "dudao.returns"
    label = "returns"
    verbose_name = "返校筛查与停课"

    def ready(self) -> None:
        from dudao.returns import demo, home  # noqa: F401  (menu, home items, demo data)
