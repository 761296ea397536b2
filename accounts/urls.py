from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("bienvenue/", views.onboarding, name="onboarding"),
    path("bienvenue/communes/", views.commune_suggestions, name="commune-suggestions"),
    path("espace/roles/", views.role_list, name="role-list"),
    path("espace/roles/<id:pk>/retirer/", views.role_revoke, name="role-revoke"),
    path(
        "espace/roles/invitations/<id:pk>/annuler/",
        views.role_invitation_cancel,
        name="role-invitation-cancel",
    ),
    path("espace/invitation/", views.role_invitation, name="role-invitation"),
    path(
        "espace/invitation/<str:token>/",
        views.role_invitation_open,
        name="role-invitation-open",
    ),
]
