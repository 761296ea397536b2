from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "attestations"

    def ready(self):
        from assessments.events import attainment_recorded_register

        from . import checks, openapi, personal_data, services  # noqa: F401

        openapi.register()
        personal_data.register()
        attainment_recorded_register(services.certificate_issue_after_attainment)
