from django.urls import path

from dudao.schoolhealth import views

app_name = "schoolhealth"
urlpatterns = [
    path("vaccination/", views.coverage, name="coverage"),
    path("vaccination/import/", views.dose_import, name="dose_import"),
    path("vaccination/template.xlsx", views.dose_template, name="dose_template"),
    path("vaccination/units/<int:pk>/tick/", views.tick, name="tick"),
    path("vaccination/targets/", views.targets, name="targets"),
    path("school-health/", views.exams, name="exams"),
    path("school-health/import/", views.exam_import, name="exam_import"),
    path("school-health/template.xlsx", views.exam_template, name="exam_template"),
    path("school-health/room/", views.room, name="room"),
    path("school-health/room/staff/<int:pk>/remove/", views.staff_remove, name="staff_remove"),
    path("school-health/students/<int:pk>/", views.student, name="student"),
]
