from django.urls import include, path

urlpatterns = [
    # The member's feed, share dialog and history.
    path("", include("chorus.sharing.urls_feed")),
    # Connected accounts (OAuth) and the admin's network settings.
    path("", include("chorus.sharing.urls_connections")),
    # Edited texts sent to an approver: the approvers' queue, the member's approved texts.
    path("", include("chorus.sharing.urls_review")),
]
