from django.urls import URLPattern, URLResolver, path

from chorus.pilot.views import manage, member

urlpatterns: list[URLPattern | URLResolver] = [
    path("manage/pilot/", manage.pilot_manage, name="pilot_manage"),
    path(
        "manage/pilot/invitations/<int:pilot_invitation_id>/withdraw/",
        manage.pilot_invitation_withdraw,
        name="pilot_invitation_withdraw",
    ),
    path("pilot/", member.pilot_page, name="pilot_page"),
    path("pilot/invitation/", member.pilot_page, name="pilot_invitation"),
]
