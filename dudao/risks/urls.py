from django.urls import path

from dudao.risks import views

app_name = "risks"

urlpatterns = [
    path("", views.points, name="points"),
    path("new/", views.point_new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("overview/", views.overview, name="overview"),
    path("import/", views.import_points, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("<int:pk>/", views.point_detail, name="point"),
    path("<int:pk>/edit/", views.point_edit, name="edit"),
    path("<int:pk>/retire/", views.point_retire, name="retire"),
    path("<int:pk>/check/", views.point_check, name="check"),
]
