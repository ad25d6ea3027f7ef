from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "dudao.cases"
    label = "cases"
    verbose_name = "一生一案"

    def ready(self) -> None:
        # System checks, demo step, home items and menu, monitoring indicators.
        from dudao.cases import checks, demo, home, indicators  # noqa: F401
