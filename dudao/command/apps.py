from django.apps import AppConfig


class CommandConfig(AppConfig):
    """指挥调度: the layer a bureau steers with. Reads every module's figures through the indicator registry
    (`dudao.core.indicators`), keeps them precomputed (`summary`) and ranks units by how far behind they are
    (`lateness`); campaigns, the cockpit and briefings read them."""

    name = "dudao.command"
    label = "command"
    verbose_name = "指挥调度"

    def ready(self) -> None:
        from dudao.command import demo, hooks  # noqa: F401

        hooks.connect()
