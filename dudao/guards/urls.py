from django.urls import path

from dudao.guards import views

app_name = "guards"
urlpatterns = [
    path("guards/", views.index, name="index"),
    path("guards/schools/<int:pk>/", views.school, name="school"),
    path("guards/schools/<int:pk>/profile/", views.profile, name="profile"),
    path("guards/schools/<int:pk>/guards/", views.add_guard, name="add_guard"),
    path("guards/schools/<int:pk>/equipment/", views.add_equipment, name="add_equipment"),
    path("guards/guard/<int:pk>/", views.edit_guard, name="edit_guard"),
    path("guards/guard/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("guards/equipment/<int:pk>/", views.edit_equipment, name="edit_equipment"),
    path("guards/equipment/<int:pk>/check/", views.check_equipment, name="check"),
]
