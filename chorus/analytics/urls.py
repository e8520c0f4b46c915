from chorus.analytics import urls_values
from chorus.analytics.views import dashboard, me, posts

urlpatterns = [
    *dashboard.urls,
    *posts.urls,
    *me.urls,
    *urls_values.urlpatterns,
]
