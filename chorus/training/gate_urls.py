from django.urls import URLPattern, path

from chorus.training.views import gates

urlpatterns: list[URLPattern] = [
    path("manage/training/gates/", gates.training_gates, name="training_gates"),
    path(
        "manage/training/gates/<int:gate_id>/remove/",
        gates.training_gate_remove,
        name="training_gate_remove",
    ),
]
