from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    """一校一档: one page per school across every module."""

    name = "dudao.profiles"
    label = "profiles"
    verbose_name = "一校一档"

    def ready(self) -> None:
        # The menu entry.
        from dudao.profiles import home  # noqa: F401
