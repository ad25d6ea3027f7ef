from django.urls import path

from dudao.health import views

app_name = "health"
urlpatterns = [
    path("health/", views.today, name="today"),
    path("health/check/<int:class_pk>/", views.check_form, name="check"),
    path("health/followup/", views.followup_queue, name="followup"),
    path("health/absences/<int:pk>/", views.absence_detail, name="absence"),
    path("health/absences/<int:pk>/followup/", views.absence_followup, name="absence_followup"),
    path("health/absences/<int:pk>/clearance/", views.absence_clearance, name="absence_clearance"),
    path("health/alerts/", views.alerts, name="alerts"),
    path("health/alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("health/alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("health/alerts/<int:pk>/report/", views.alert_report, name="alert_report"),
    path("health/alerts/<int:pk>/measure/", views.alert_measure, name="alert_measure"),
    path("health/alerts/<int:pk>/close/", views.alert_close, name="alert_close"),
    path("health/dashboard/", views.dashboard, name="dashboard"),
    path("health/supplies/", views.supplies, name="supplies"),
    path("health/diseases/", views.diseases, name="diseases"),
]
