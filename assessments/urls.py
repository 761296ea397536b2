from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("parcours/", views.learner_dashboard, name="dashboard"),
    path(
        "quiz/module/<page_id:module_id>/commencer/",
        views.attempt_start,
        name="attempt-start",
    ),
    path("quiz/<uuid:attempt_id>/", views.attempt_detail, name="attempt-detail"),
    path(
        "quiz/<uuid:attempt_id>/resultat/", views.attempt_result, name="attempt-result"
    ),
]
