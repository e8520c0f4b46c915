from django.urls import URLPattern, path

from chorus.training.views import sessions

urlpatterns: list[URLPattern] = [
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
]
