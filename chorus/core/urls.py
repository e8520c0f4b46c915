from django.urls import path

from chorus.core.views import pages

urlpatterns = [
    path("", pages.home, name="home"),
    # Pages without our layout (Django's admin, the API docs) make browsers ask for this.
    path("favicon.ico", pages.favicon, name="favicon"),
]
