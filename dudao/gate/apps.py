from django.apps import AppConfig


class GateConfig(AppConfig):
    name = "dudao.gate"
    label = "gate"
    verbose_name = "门卫登记"

    def ready(self) -> None:
        from dudao.gate import demo, home  # noqa: F401  (menu entries, home item, demo data)
