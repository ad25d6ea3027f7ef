from django.apps import AppConfig


class CockpitConfig(AppConfig):
    """领导驾驶舱: the home page of bureau leaders and staff (scoped for district admins and principals): campaigns,
    units ranked by how far behind they are, today's exceptions, trends."""

    name = "dudao.cockpit"
    label = "cockpit"
    verbose_name = "领导驾驶舱"

    def ready(self) -> None:
        from dudao.cockpit import home  # noqa: F401  (the home page, the menu entry)
