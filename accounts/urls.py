from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("bienvenue/", views.onboarding, name="onboarding"),
    path("bienvenue/communes/", views.commune_suggestions, name="commune-suggestions"),
    # Everything about oneself: never an id in these URLs.
    path("compte/", views.account, name="account"),
    path("compte/mes-donnees/", views.my_data, name="my-data"),
    path(
        "compte/mes-donnees/telecharger/",
        views.my_data_download,
        name="my-data-download",
    ),
    path("compte/mes-donnees/tout-voir/", views.my_data_view, name="my-data-view"),
    path(
        "compte/mes-donnees/supprimer-mon-compte/",
        views.account_delete,
        name="account-delete",
    ),
    path("espace/", views.staff_home, name="staff-home"),
    path("espace/roles/", views.role_list, name="role-list"),
    path("espace/roles/<id:pk>/retirer/", views.role_revoke, name="role-revoke"),
    path("espace/roles/<id:pk>/lieux/", views.role_places, name="role-places"),
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
