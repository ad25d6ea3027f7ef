from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "dudao.cases"
    label = "cases"
    verbose_name = "一生一案"

    def ready(self) -> None:
        from dudao.cases import checks, demo, home  # noqa: F401  (system checks, demo step, home items and menu)
