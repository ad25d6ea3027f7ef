from django.urls import URLPattern, URLResolver, path

from dudao.briefings import views

app_name = "briefings"
urlpatterns: list[URLPattern | URLResolver] = [
    path("briefings/", views.briefing_list, name="list"),
    path("briefings/new/", views.briefing_create, name="create"),
    path("briefings/settings/", views.issuing_settings, name="settings"),
    path("briefings/<int:pk>/", views.briefing_detail, name="detail"),
    path("briefings/<int:pk>/progress/", views.briefing_progress, name="progress"),
    path("briefings/<int:pk>/edit/", views.briefing_update, name="update"),
    path("briefings/<int:pk>/publish/", views.briefing_publish, name="publish"),
    path("briefings/<int:pk>/regenerate/", views.briefing_regenerate, name="regenerate"),
    path("briefings/<int:pk>/confirm/", views.briefing_confirm, name="confirm"),
    path("briefings/<int:pk>/document.docx", views.briefing_document, name="document"),
    path("briefings/<int:pk>/print/", views.briefing_print, name="print"),
]
