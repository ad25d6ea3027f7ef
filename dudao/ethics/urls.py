from django.urls import path

from dudao.ethics import views

app_name = "ethics"
urlpatterns = [
    path("ethics/", views.index, name="index"),
    path("ethics/mine/", views.mine, name="mine"),
    path("ethics/incidents/new/", views.incident_new, name="incident_new"),
    path("ethics/incidents/<int:pk>/", views.incident_detail, name="incident"),
    path("ethics/incidents/<int:pk>/investigate/", views.investigate, name="investigate"),
    path("ethics/incidents/<int:pk>/decide/", views.decide, name="decide"),
    path("ethics/incidents/<int:pk>/measure/", views.measure, name="measure"),
    path("ethics/incidents/<int:pk>/close/", views.close, name="close"),
    path("ethics/commitments/", views.commitments, name="commitments"),
    path("ethics/commitments/<int:pk>/", views.commitment_detail, name="commitment"),
    path("ethics/commitments/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("ethics/commendations/", views.commendations, name="commendations"),
]
