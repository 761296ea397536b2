from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("planning/", views.planning, name="planning"),
    path("planning/<id:deadline_id>/fait/", views.deadline_done, name="deadline-done"),
    path(
        "planning/agenda/nouvelle-adresse/",
        views.feed_regenerate,
        name="feed-regenerate",
    ),
    path("planning/agenda/<slug:token>.ics", views.feed, name="feed"),
    path("rappels/reglages/", views.preferences, name="preferences"),
    path("rappels/desinscription/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
