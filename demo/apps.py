from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for the embedded mode; the only app allowed to import every other."""

    name = "demo"
    verbose_name = "Démonstration"
