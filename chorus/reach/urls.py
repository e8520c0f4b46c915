from django.urls import URLPattern, URLResolver, path

from chorus.reach.views import announce, links, nudges

urlpatterns: list[URLPattern | URLResolver] = [
    path("r/share/<str:token>/", links.share_link_open, name="reach_share"),
    path("r/image/<str:token>/", links.post_image_open, name="reach_image"),
    path("manage/announce/<int:post_id>/", announce.post_announce_view, name="reach_announce"),
    path("manage/nudges/", nudges.nudges_manage, name="reach_nudges"),
]
