from django.urls import path

from dudao.buses import views

app_name = "buses"
urlpatterns = [
    path("buses/", views.index, name="index"),
    path("buses/documents/", views.documents, name="documents"),
    path("buses/schools/<int:pk>/", views.school, name="school"),
    path("buses/schools/<int:pk>/vehicles/", views.add, {"kind": "vehicle"}, name="add_vehicle"),
    path("buses/schools/<int:pk>/drivers/", views.add, {"kind": "driver"}, name="add_driver"),
    path("buses/schools/<int:pk>/routes/", views.add, {"kind": "route"}, name="add_route"),
    path("buses/vehicles/<int:pk>/", views.vehicle, name="vehicle"),
    path("buses/drivers/<int:pk>/", views.driver, name="driver"),
    path("buses/routes/<int:pk>/", views.route, name="route"),
    path("buses/checks/", views.checks_today, name="checks_today"),
    path("buses/checks/routes/<int:pk>/", views.check, name="check"),
]
