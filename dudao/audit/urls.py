from django.urls import path

from dudao.audit import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.events, name="events"),
    path("audit/export.xlsx", views.export, name="export"),
]
