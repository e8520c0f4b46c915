from django.urls import include, path

urlpatterns = [
    # Practice scenarios keep their own routes.
    path("", include("chorus.training.scenario_urls")),
]
