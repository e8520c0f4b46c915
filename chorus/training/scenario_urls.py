from django.urls import URLPattern, path

from chorus.training.views import scenarios

urlpatterns: list[URLPattern] = [
    path("manage/training/scenarios/", scenarios.training_scenarios, name="training_scenarios"),
    path(
        "manage/training/scenarios/new/",
        scenarios.training_scenario_new,
        name="training_scenario_new",
    ),
    path(
        "manage/training/scenarios/<int:scenario_id>/",
        scenarios.training_scenario_edit,
        name="training_scenario_edit",
    ),
    path(
        "manage/training/scenarios/reviews/",
        scenarios.training_scenario_reviews,
        name="training_scenario_reviews",
    ),
    path(
        "manage/training/scenarios/reviews/<int:response_id>/",
        scenarios.training_scenario_review,
        name="training_scenario_review",
    ),
    path("learning/practice/", scenarios.practice, name="practice"),
    path(
        "learning/practice/<int:scenario_id>/",
        scenarios.practice_scenario,
        name="practice_scenario",
    ),
    path(
        "learning/practice/<int:scenario_id>/check/",
        scenarios.practice_scenario_check,
        name="practice_scenario_check",
    ),
]
