from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Planning et rappels"

    def ready(self):
        from . import personal_data

        personal_data.register()
