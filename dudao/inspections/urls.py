from django.urls import path

from dudao.inspections import views

app_name = "inspections"
urlpatterns = [
    path("inspections/", views.round_list, name="rounds"),
    path("inspections/new/", views.round_plan, name="round_plan"),
    path("inspections/<int:pk>/", views.round_detail, name="round"),
    path("inspections/<int:pk>/teams/", views.team_create, name="team_create"),
    path("inspections/<int:pk>/split/", views.teams_split, name="teams_split"),
    path("inspections/<int:pk>/publish/", views.round_publish, name="round_publish"),
    path("inspections/checklists/<int:pk>/", views.checklist, name="checklist"),
    path("inspections/checklists/<int:pk>/answer/", views.answer_save, name="answer_save"),
    path("inspections/checklists/<int:pk>/photo/", views.photo_add, name="photo_add"),
    path("inspections/checklists/<int:pk>/finding/", views.finding_add, name="finding_add"),
    path("inspections/checklists/<int:pk>/submit/", views.checklist_submit, name="checklist_submit"),
    path("inspections/photos/<int:pk>/", views.photo_file, name="photo_file"),
    path("frameworks/", views.framework_list, name="frameworks"),
    path("frameworks/new/", views.framework_create, name="framework_create"),
    path("frameworks/template.xlsx", views.framework_template, name="framework_template"),
    path("frameworks/import/", views.framework_import, name="framework_import"),
    path("frameworks/<int:pk>/", views.framework_detail, name="framework"),
    path("frameworks/<int:pk>/indicators/", views.indicator_save, name="indicator_add"),
    path("frameworks/<int:pk>/indicators/<int:indicator_pk>/", views.indicator_save, name="indicator_save"),
    path("frameworks/<int:pk>/indicators/<int:indicator_pk>/delete/", views.indicator_delete, name="indicator_delete"),
]
