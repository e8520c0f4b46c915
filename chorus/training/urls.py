from django.urls import path

from chorus.training.views import (
    certification,
    courses,
    gates,
    learning,
    policy,
    quizzes,
    reports,
    scenarios,
    sessions,
)

urlpatterns = [
    # Trainers
    path("manage/training/", courses.training_courses, name="training_courses"),
    path("manage/training/new/", courses.training_course_new, name="training_course_new"),
    path("manage/training/starter/", courses.training_starter_add, name="training_starter_add"),
    path("manage/training/<int:course_id>/", courses.training_course, name="training_course"),
    path(
        "manage/training/<int:course_id>/edit/",
        courses.training_course_edit,
        name="training_course_edit",
    ),
    path(
        "manage/training/<int:course_id>/publish/",
        courses.training_course_publish,
        name="training_course_publish",
    ),
    path(
        "manage/training/<int:course_id>/archive/",
        courses.training_course_archive,
        name="training_course_archive",
    ),
    path(
        "manage/training/<int:course_id>/lessons/new/",
        courses.training_lesson_new,
        name="training_lesson_new",
    ),
    path(
        "manage/training/lessons/<int:lesson_id>/",
        courses.training_lesson,
        name="training_lesson",
    ),
    path(
        "manage/training/lessons/<int:lesson_id>/delete/",
        courses.training_lesson_delete,
        name="training_lesson_delete",
    ),
    path(
        "manage/training/lessons/<int:lesson_id>/move/",
        courses.training_lesson_move,
        name="training_lesson_move",
    ),
    path(
        "manage/training/lessons/<int:lesson_id>/images/",
        courses.training_lesson_image_add,
        name="training_lesson_image_add",
    ),
    path(
        "manage/training/images/<int:lesson_image_id>/delete/",
        courses.training_lesson_image_delete,
        name="training_lesson_image_delete",
    ),
    path(
        "manage/training/<int:course_id>/questions/new/",
        courses.training_question_new,
        name="training_question_new",
    ),
    path(
        "manage/training/questions/<int:question_id>/",
        courses.training_question,
        name="training_question",
    ),
    path(
        "manage/training/questions/<int:question_id>/delete/",
        courses.training_question_delete,
        name="training_question_delete",
    ),
    # Members
    path("learning/", learning.learning, name="learning"),
    path("learning/<int:course_id>/", learning.course_detail, name="course_detail"),
    path("learning/lessons/<int:lesson_id>/", learning.lesson_detail, name="lesson_detail"),
    path("learning/lessons/<int:lesson_id>/read/", learning.lesson_read, name="lesson_read"),
    path("learning/images/<int:lesson_image_id>/", learning.lesson_image, name="lesson_image"),
    path("learning/<int:course_id>/quiz/", quizzes.quiz_start, name="quiz_start"),
    path("learning/attempts/<int:attempt_id>/", quizzes.quiz_attempt, name="quiz_attempt"),
    path("learning/attempts/<int:attempt_id>/answer/", quizzes.quiz_answer, name="quiz_answer"),
    # Practice scenarios
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
    # Certifications and certificates
    # Trainers
    path(
        "manage/training/certifications/",
        certification.training_certifications,
        name="training_certifications",
    ),
    path(
        "manage/training/certifications/new/",
        certification.training_certification_new,
        name="training_certification_new",
    ),
    path(
        "manage/training/certifications/<int:certification_id>/",
        certification.training_certification,
        name="training_certification",
    ),
    path(
        "manage/training/certifications/<int:certification_id>/edit/",
        certification.training_certification_edit,
        name="training_certification_edit",
    ),
    path(
        "manage/training/certificates/<int:certificate_id>/revoke/",
        certification.training_certificate_revoke,
        name="training_certificate_revoke",
    ),
    # Members
    path("learning/certificates/", certification.my_certificates, name="my_certificates"),
    path(
        "certificates/<str:certificate_code>/",
        certification.certificate_detail,
        name="certificate_detail",
    ),
    # What needs certification
    path("manage/training/gates/", gates.training_gates, name="training_gates"),
    path(
        "manage/training/gates/<int:gate_id>/remove/",
        gates.training_gate_remove,
        name="training_gate_remove",
    ),
    # The social media policy
    path("manage/training/policy/", policy.training_policy, name="training_policy"),
    path(
        "manage/training/policy/template/",
        policy.training_policy_template,
        name="training_policy_template",
    ),
    path(
        "manage/training/policy/publish/",
        policy.training_policy_publish,
        name="training_policy_publish",
    ),
    path(
        "manage/training/policy/sharing/",
        policy.training_policy_sharing,
        name="training_policy_sharing",
    ),
    path(
        "manage/training/policy/acknowledgements/",
        policy.training_policy_acknowledgements,
        name="training_policy_acknowledgements",
    ),
    path(
        "manage/training/policy/acknowledgements/export/",
        policy.training_policy_export,
        name="training_policy_export",
    ),
    path("policy/", policy.policy, name="policy"),
    path("policy/acknowledge/", policy.policy_acknowledge, name="policy_acknowledge"),
    path(
        "policy/versions/<int:policy_version_id>/",
        policy.policy_version,
        name="policy_version",
    ),
    # Sessions
    # Trainers
    path("manage/training/sessions/", sessions.training_sessions, name="training_sessions"),
    path(
        "manage/training/sessions/new/",
        sessions.training_session_new,
        name="training_session_new",
    ),
    path(
        "manage/training/sessions/<int:session_id>/",
        sessions.training_session,
        name="training_session",
    ),
    path(
        "manage/training/sessions/<int:session_id>/cancel/",
        sessions.training_session_cancel,
        name="training_session_cancel",
    ),
    path(
        "manage/training/sessions/<int:session_id>/invite/",
        sessions.training_session_invite,
        name="training_session_invite",
    ),
    path(
        "manage/training/sessions/<int:session_id>/attendance/",
        sessions.training_session_attendance,
        name="training_session_attendance",
    ),
    # Members
    path("learning/sessions/", sessions.sessions, name="sessions"),
    path("learning/sessions/<int:session_id>/", sessions.session_detail, name="session_detail"),
    path(
        "learning/sessions/<int:session_id>/rsvp/",
        sessions.session_rsvp,
        name="session_rsvp",
    ),
    path(
        "learning/sessions/<int:session_id>/calendar.ics",
        sessions.session_calendar,
        name="session_calendar",
    ),
    # Reports
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
