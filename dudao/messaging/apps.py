from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "dudao.messaging"
    label = "messaging"
    verbose_name = "消息中心"

    def ready(self) -> None:
        from dudao.messaging import demo, home  # noqa: F401  (menu entries, demo data)
