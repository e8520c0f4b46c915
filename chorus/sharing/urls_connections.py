from django.urls import path

from chorus.sharing.views import connections, network_settings

urlpatterns = [
    path("connections/", connections.connections, name="connections"),
    path("connections/connect/", connections.connection_connect, name="connection_connect"),
    path("connections/callback/", connections.connection_callback, name="connection_callback"),
    path("connections/password/", connections.connection_password, name="connection_password"),
    path(
        "connections/<int:connection_id>/disconnect/",
        connections.connection_disconnect_view,
        name="connection_disconnect",
    ),
    path("connections/auto-share/", connections.autoshare_update, name="autoshare_update"),
    path("manage/networks/", network_settings.network_settings, name="network_settings"),
]
