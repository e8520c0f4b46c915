from django.urls import path

from chorus.links import views

urlpatterns = [
    path("manage/posts/<int:post_id>/links/", views.post_link_mint, name="post_link_mint"),
    path("manage/links/<int:link_id>/toggle/", views.link_toggle, name="link_toggle"),
]
