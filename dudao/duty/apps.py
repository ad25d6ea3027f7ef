from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "dudao.duty"
    label = "duty"
    verbose_name = "值班值守与演练"

    def ready(self) -> None:
        from dudao.duty import demo, home, indicators  # noqa: F401  (home items, menu entries, demo data, indicators)
