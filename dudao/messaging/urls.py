from django.urls import path

from dudao.messaging import views

app_name = "messaging"
urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/bell/", views.bell, name="bell"),
    path("messages/read-all/", views.read_all, name="read_all"),
    path("messages/<int:pk>/read/", views.read, name="read"),
    path("messages/<int:pk>/open/", views.open_message, name="open"),
    path("messages/settings/", views.settings_page, name="settings"),
    path("messages/settings/bind/", views.bind, name="bind"),
    path("messages/settings/verify/", views.verify, name="verify"),
    path("messages/settings/unbind/", views.unbind, name="unbind"),
    path("messages/failed/", views.failed, name="failed"),
    path("messages/failed/retry-all/", views.retry_all, name="retry_all"),
    path("messages/failed/<int:pk>/retry/", views.retry, name="retry"),
]
