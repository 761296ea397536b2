from django.urls import path, re_path

from . import api, views

app_name = "directory"

urlpatterns = [
    path("aide/", views.help_place_search, name="search"),
    path("aide/lieu/<id:pk>/", views.help_place_detail, name="place-detail"),
    # The public JSON API (described at /api/v1/openapi.json).
    path("api/v1/openapi.json", api.OpenApiDocument.as_view(), name="api-openapi"),
    path("api/v1/lieux/", api.HelpPlaceSearchApi.as_view(), name="api-search"),
    path(
        "api/v1/lieux/<path:lieu>/", api.HelpPlaceDetailApi.as_view(), name="api-place"
    ),
    re_path(r"^api/v1/lieux/", api.ApiNotFound.as_view(), name="api-not-found"),
]
