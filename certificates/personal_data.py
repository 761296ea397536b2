"""The learner's certificates, for the "Mes données" export."""

from accounts.personal_data import Section, section_register

from .models import Certificate


def _certificates(user) -> list:
    return [
        {
            "code": certificate.code,
            "version_du_référentiel": certificate.framework.version,
            "territoire": certificate.epci.name,
            "délivrée_le": certificate.issued_at,
            "état": certificate.get_status_display(),
            "révoquée_le": certificate.revoked_at,
            "raison_de_la_révocation": certificate.revocation_reason or None,
        }
        for certificate in Certificate.objects.filter(learner=user)
        .select_related("framework", "epci")
        .defer("pdf", "credential")
        .order_by("issued_at")
    ]


def register() -> None:
    section_register(
        Section(
            key="attestations",
            order=75,
            title="Tes attestations",
            intro="Les attestations qui t'ont été délivrées. Si tu supprimes ton "
            "compte, elles restent vérifiables par leur code, sans ton prénom.",
            models=("certificates.certificate",),
            read=_certificates,
            journal_targets=lambda user: Certificate.objects.filter(learner=user),
        )
    )
