from django.apps import AppConfig


class SearchConfig(AppConfig):
    """全局搜索: students, units, notices, ledger problems and cases from the header, each as its own list scopes it."""

    name = "dudao.search"
    label = "search"
    verbose_name = "全局搜索"
