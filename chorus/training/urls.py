from django.urls import include, path

from chorus.training.views import courses, learning, quizzes

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
    # Each further feature keeps its own routes.
    path("", include("chorus.training.scenario_urls")),
    path("", include("chorus.training.certification_urls")),
    path("", include("chorus.training.gate_urls")),
    path("", include("chorus.training.policy_urls")),
    path("", include("chorus.training.session_urls")),
    path("", include("chorus.training.report_urls")),
]
