from django.urls import path

from dudao.exports import views

app_name = "exports"

urlpatterns = [
    path("downloads/", views.center, name="center"),
    path("downloads/start/", views.start, name="start"),
    path("downloads/<int:pk>/file/", views.download, name="download"),
    path("downloads/<int:pk>/delete/", views.delete, name="delete"),
    path("orgs/<int:pk>/students/import-job/", views.roster_import, name="roster_import"),
    path("downloads/imports/<int:pk>/", views.import_status, name="import"),
]
