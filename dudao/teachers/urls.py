from django.urls import URLPattern, URLResolver, path

from dudao.teachers import views

app_name = "teachers"
urlpatterns: list[URLPattern | URLResolver] = [
    path("teachers/", views.roster, name="list"),
    path("teachers/export.xlsx", views.export, name="export"),
    path("teachers/import/", views.import_page, name="import"),
    path("teachers/import/template.xlsx", views.import_template, name="template"),
    path("teachers/me/", views.mine, name="mine"),
    path("teachers/<int:pk>/", views.detail, name="detail"),
    path("teachers/<int:pk>/edit/", views.edit, name="edit"),
    path("teachers/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("teachers/<int:pk>/certificates/", views.certificate_add, name="certificate_add"),
    path("teachers/certificates/<int:pk>/remove/", views.certificate_remove, name="certificate_remove"),
    path("teachers/<int:pk>/transfer/", views.transfer, name="transfer"),
]
