from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dudao.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from dudao.audit import home  # noqa: F401
