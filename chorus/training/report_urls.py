from django.urls import path

from chorus.training.views import reports

urlpatterns = [
    path("manage/training/reports/", reports.training_reports, name="training_reports"),
    path(
        "manage/training/reports/export/",
        reports.training_reports_export,
        name="training_reports_export",
    ),
    path(
        "manage/training/reports/courses/<int:course_id>/questions/",
        reports.training_report_questions,
        name="training_report_questions",
    ),
    path(
        "manage/training/reports/courses/<int:course_id>/questions/export/",
        reports.training_report_questions_export,
        name="training_report_questions_export",
    ),
]
