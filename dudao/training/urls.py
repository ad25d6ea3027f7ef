from django.urls import URLPattern, URLResolver, path

from dudao.training import views

app_name = "training"
urlpatterns: list[URLPattern | URLResolver] = [
    path("training/", views.index, name="index"),
    path("training/new/", views.create, name="create"),
    path("training/hours/", views.hours, name="hours"),
    path("training/me/", views.mine, name="mine"),
    path("training/sign/<str:token>/", views.sign, name="sign"),
    path("training/<int:pk>/", views.detail, name="detail"),
    path("training/<int:pk>/edit/", views.edit, name="edit"),
    path("training/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("training/<int:pk>/attend/", views.attend, name="attend"),
    path("training/<int:pk>/qr/", views.qr, name="qr"),
    path("training/<int:pk>/import/", views.import_attendance, name="import"),
    path("training/<int:pk>/import/template.xlsx", views.import_template, name="template"),
    path("training/certificates/<int:pk>/", views.certificate, name="certificate"),
]
