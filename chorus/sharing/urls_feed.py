from chorus.sharing.views import feed, history, share

urlpatterns = [*feed.urls, *share.urls, *history.urls]
