from django.urls import path

from dudao.gate import views

app_name = "gate"
urlpatterns = [
    path("gate/", views.today, name="today"),
    path("gate/register/", views.register, name="register"),
    path("gate/recent/", views.recent, name="recent"),
    path("gate/visits/<int:pk>/", views.visit_detail, name="visit"),
    path("gate/visits/<int:pk>/check-out/", views.check_out, name="check_out"),
    path("gate/visits/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("gate/trace/", views.trace, name="trace"),
    path("gate/trace/export.xlsx", views.trace_export, name="trace_export"),
]
