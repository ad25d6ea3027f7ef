from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "dudao.partners"
    label = "partners"
    verbose_name = "部门协同"

    def ready(self) -> None:
        from dudao.partners import demo, home  # noqa: F401  (menu, home items, demo data)
