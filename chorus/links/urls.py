from django.urls import path

from chorus.links.views import links as views
from chorus.links.views.visitors import suspicious_visitors, visitor_detail

urlpatterns = [
    path("manage/posts/<int:post_id>/links/", views.post_link_mint, name="post_link_mint"),
    path("manage/links/<int:link_id>/toggle/", views.link_toggle, name="link_toggle"),
    path("manage/links/visitors/", suspicious_visitors, name="suspicious_visitors"),
    path("manage/links/visitors/<str:visitor_key>/", visitor_detail, name="visitor_detail"),
]
