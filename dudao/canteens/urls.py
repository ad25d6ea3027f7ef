from django.urls import path

from dudao.canteens import views

app_name = "canteens"
urlpatterns = [
    path("canteens/", views.index, name="index"),
    path("canteens/new/", views.create, name="create"),
    path("canteens/<int:pk>/", views.detail, name="detail"),
    path("canteens/<int:pk>/edit/", views.edit, name="edit"),
    path("canteens/<int:pk>/workers/", views.add_worker, name="add_worker"),
    path("canteens/<int:pk>/workers/<int:worker_pk>/", views.edit_worker, name="edit_worker"),
    path("canteens/<int:pk>/suppliers/", views.add_supplier, name="add_supplier"),
    path("canteens/<int:pk>/samples/new/", views.sample_new, name="sample_new"),
    path("canteens/<int:pk>/companions/new/", views.companion_new, name="companion_new"),
    path("canteens/<int:pk>/morning-check/", views.morning_check, name="check"),
    path("canteens/samples/<int:pk>/photo/", views.sample_photo, name="sample_photo"),
]
