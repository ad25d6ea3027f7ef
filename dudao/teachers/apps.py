from django.apps import AppConfig


class TeachersConfig(AppConfig):
    """教师档案: a staff member's profile beyond the login account (ID masked, post, employment, 职称, 教师资格证),
    certificates with expiry, and the history of the units the person worked in."""

    name = "dudao.teachers"
    label = "teachers"
    verbose_name = "教师档案"

    def ready(self) -> None:
        from dudao.teachers import demo, home  # noqa: F401  (menu entry, home item, demo data)
