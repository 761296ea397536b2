from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("bienvenue/", views.onboarding, name="onboarding"),
    path("bienvenue/communes/", views.commune_suggestions, name="commune-suggestions"),
    path("espace/roles/", views.role_list, name="role-list"),
    path("espace/roles/<int:pk>/retirer/", views.role_revoke, name="role-revoke"),
]
