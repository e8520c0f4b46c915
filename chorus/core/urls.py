from django.urls import path

from chorus.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Pages without our layout (Django's admin, the API docs) make browsers ask for this.
    path("favicon.ico", views.favicon, name="favicon"),
]
