from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "dudao.integrity"
    label = "integrity"
    verbose_name = "党风廉政"

    def ready(self) -> None:
        from dudao.integrity import demo, home  # noqa: F401  (menu, home items, demo data)
