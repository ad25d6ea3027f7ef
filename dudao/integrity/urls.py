from django.urls import path

from dudao.integrity import views

app_name = "integrity"
urlpatterns = [
    path("integrity/", views.index, name="index"),
    path("integrity/people/", views.people, name="people"),
    path("integrity/mine/", views.mine, name="mine"),
    path("integrity/duties/", views.duties, name="duties"),
    path("integrity/duties/new/", views.duty_create, name="duty_create"),
    path("integrity/duties/<int:pk>/", views.duty, name="duty"),
    path("integrity/duties/<int:pk>/edit/", views.duty_edit, name="duty_edit"),
    path("integrity/duties/<int:pk>/acknowledge/", views.duty_acknowledge, name="duty_acknowledge"),
    path("integrity/talks/", views.talks, name="talks"),
    path("integrity/talks/new/", views.talk_create, name="talk_create"),
    path("integrity/talks/<int:pk>/", views.talk, name="talk"),
    path("integrity/talks/<int:pk>/edit/", views.talk_edit, name="talk_edit"),
    path("integrity/checks/", views.checks, name="checks"),
    path("integrity/checks/new/", views.check_create, name="check_create"),
    path("integrity/checks/<int:pk>/", views.check, name="check"),
    path("integrity/checks/<int:pk>/edit/", views.check_edit, name="check_edit"),
    path("integrity/checks/<int:pk>/close/", views.check_close, name="check_close"),
    path("integrity/checks/<int:pk>/targets/", views.check_targets, name="check_targets"),
    path("integrity/checks/<int:pk>/targets/<int:target_pk>/remove/", views.target_remove, name="target_remove"),
    path("integrity/checks/<int:pk>/findings/", views.check_finding, name="check_finding"),
    path("integrity/findings/<int:pk>/photo/", views.finding_photo, name="finding_photo"),
    path("integrity/matters/", views.matters, name="matters"),
    path("integrity/matters/new/", views.matter_create, name="matter_create"),
    path("integrity/matters/<int:pk>/", views.matter, name="matter"),
    path("integrity/matters/<int:pk>/edit/", views.matter_edit, name="matter_edit"),
    path("integrity/matters/<int:pk>/documents/", views.matter_documents, name="matter_documents"),
    path("integrity/matters/<int:pk>/documents/<int:doc_pk>/", views.matter_document, name="matter_document"),
]
