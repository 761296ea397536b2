from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    # Public, without an account: the QR code of each PDF points at verify-code.
    path("certificats/verifier/", views.verify, name="verify"),
    path("certificats/verifier/<str:code>/", views.verify, name="verify-code"),
    path("certificats/controle/", views.credential_check_page, name="check"),
    # What a verifier's software reads (Open Badges 3.0): issuer, keys, status list.
    path("certificats/emetteur/", views.issuer, name="issuer"),
    path("certificats/cles/<str:key_id>/", views.key, name="key"),
    path("certificats/statut/", views.status_list, name="status-list"),
    path(
        "certificats/statut/<int32:number>/",
        views.status_list_numbered,
        name="status-list-number",
    ),
    path(
        "api/v1/attestations/<str:code>/", views.VerifyApi.as_view(), name="api-verify"
    ),
    # The learner's own files.
    path("parcours/attestation/<uuid:pk>.pdf", views.certificate_pdf, name="pdf"),
    path(
        "parcours/attestation/<uuid:pk>.json",
        views.certificate_credential,
        name="credential",
    ),
    # Coordination of an EPCI.
    path("espace/attestations/", views.coordination, name="coordination"),
    path("espace/attestations/lots/<id:pk>/", views.batch, name="batch"),
    path("espace/attestations/<uuid:pk>/revoquer/", views.revoke, name="revoke"),
]
