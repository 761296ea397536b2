from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Évaluations"

    def ready(self):
        from . import personal_data

        personal_data.register()
