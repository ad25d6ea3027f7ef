from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "dudao.duty"
    label = "duty"
    verbose_name = "值班值守与演练"

    def ready(self) -> None:
        from dudao.duty import demo, home  # noqa: F401  (registers home items, menu entries and demo data)
