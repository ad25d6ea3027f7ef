from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ExportsConfig(AppConfig):
    name = "dudao.exports"
    label = "exports"
    verbose_name = "下载中心"

    def ready(self) -> None:
        from dudao.exports import demo, home, tasks  # noqa: F401  (demo data, menu entry, home item, clean-up)

        # Each app registers its exports in its own `export_jobs.py` (dudao.core.exporting): imported here by name,
        # so this app, which sits below the domain apps, never imports them.
        autodiscover_modules("export_jobs")
