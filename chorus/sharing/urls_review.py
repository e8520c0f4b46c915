from chorus.sharing.views import review

urlpatterns = [*review.urls]
