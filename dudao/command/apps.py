from django.apps import AppConfig


class CommandConfig(AppConfig):
    """指挥调度: the layer a bureau steers with. Reads every module's figures through the indicator registry
    (`dudao.core.indicators`); campaigns, the cockpit and briefings will live here too."""

    name = "dudao.command"
    label = "command"
    verbose_name = "指挥调度"
