from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("aide/", views.help_place_search, name="search"),
    path("aide/lieu/<int:pk>/", views.help_place_detail, name="place-detail"),
]
