from django.urls import path

from dudao.projects import views

app_name = "projects"
urlpatterns = [
    path("projects/", views.index, name="index"),
    path("projects/export.xlsx", views.export, name="export"),
    path("projects/new/", views.create, name="create"),
    path("projects/<int:pk>/", views.detail, name="detail"),
    path("projects/<int:pk>/edit/", views.edit, name="edit"),
    path("projects/<int:pk>/filing/", views.filing, name="filing"),
    path("projects/<int:pk>/start/", views.start, name="start"),
    path("projects/<int:pk>/complete/", views.complete, name="complete"),
    path("projects/<int:pk>/accept/", views.accept, name="accept"),
    path("projects/<int:pk>/photos/", views.photos, name="photos"),
    path("projects/<int:pk>/milestones/", views.add_milestone, name="add_milestone"),
    path("projects/milestones/<int:pk>/reached/", views.reach_milestone, name="reach_milestone"),
    path("projects/photos/<int:pk>/", views.photo, name="photo"),
]
