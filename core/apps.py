from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Socle"

    def ready(self):
        # Before any urls.py is read: every app's integer URL parameters use them.
        from .converters import register

        register()
