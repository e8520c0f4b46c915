from chorus.content.views import calendar, posts, review, rules, sources, suggestions

urlpatterns = [
    *posts.urls,
    *review.urls,
    *rules.urls,
    *sources.urls,
    *suggestions.urls,
    *calendar.urls,
]
