from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("parcours/", views.learner_dashboard, name="dashboard"),
    path("parcours/passeport/", views.passport, name="passport"),
    path(
        "quiz/module/<page_id:module_id>/commencer/",
        views.attempt_start,
        name="attempt-start",
    ),
    path("quiz/<uuid:attempt_id>/", views.attempt_detail, name="attempt-detail"),
    path(
        "quiz/<uuid:attempt_id>/resultat/", views.attempt_result, name="attempt-result"
    ),
    # The informer's work: a learner's code opens their record for two hours.
    path("espace/passeport/", views.passport_redeem, name="passport-redeem"),
    path("espace/passeport/<str:code>/", views.passport_redeem, name="passport-open"),
    path(
        "espace/dossier/<uuid:passport_id>/",
        views.learner_record,
        name="learner-record",
    ),
    path(
        "espace/dossier/<uuid:passport_id>/valider/",
        views.validation_create,
        name="validation-create",
    ),
    path(
        "espace/validations/<id:pk>/retirer/",
        views.validation_withdraw,
        name="validation-withdraw",
    ),
    path("espace/registre/nouveau/", views.visit_create, name="visit-create"),
    path(
        "espace/registre/<id:place_id>/",
        views.register_summary,
        name="register-summary",
    ),
    path(
        "espace/registre/<id:place_id>/csv/",
        views.register_csv,
        name="register-csv",
    ),
]
