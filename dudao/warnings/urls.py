from django.urls import path

from dudao.warnings import views

app_name = "warnings"
urlpatterns = [
    path("warnings/", views.index, name="index"),
    path("warnings/new/", views.create, name="create"),
    path("warnings/import/", views.import_file, name="import"),
    path("warnings/template/", views.template, name="template"),
    path("warnings/<int:pk>/", views.detail, name="detail"),
    path("warnings/<int:pk>/schools/", views.schools, name="schools"),
    path("warnings/<int:pk>/dispatch/", views.dispatch, name="dispatch"),
    path("warnings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("warnings/<int:pk>/acknowledgements/", views.acknowledgements, name="acknowledgements"),
]
