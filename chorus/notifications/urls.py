from chorus.notifications.views import inbox

urlpatterns = [*inbox.urls]
