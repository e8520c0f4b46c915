from django.urls import URLPattern, URLResolver, path

from chorus.surveys.views import answer, manage, results

urlpatterns: list[URLPattern | URLResolver] = [
    path("surveys/", answer.surveys_mine, name="surveys_mine"),
    path("surveys/<int:survey_id>/", answer.survey_answer, name="surveys_answer"),
    path("manage/surveys/", manage.surveys_manage, name="surveys_manage"),
    path("manage/surveys/<int:survey_id>/", manage.survey_manage, name="surveys_manage_survey"),
    path(
        "manage/surveys/<int:survey_id>/questions/",
        manage.question_create,
        name="surveys_question_add",
    ),
    path(
        "manage/surveys/questions/<int:survey_question_id>/",
        manage.question_change,
        name="surveys_question_change",
    ),
    path("manage/surveys/<int:survey_id>/send/", manage.survey_send, name="surveys_send"),
    path("manage/surveys/<int:survey_id>/close/", manage.survey_close_view, name="surveys_close"),
    path(
        "manage/surveys/rounds/<int:round_id>/", results.round_results_view, name="surveys_results"
    ),
    path(
        "manage/surveys/rounds/<int:round_id>/export/",
        results.round_results_export,
        name="surveys_results_export",
    ),
]
