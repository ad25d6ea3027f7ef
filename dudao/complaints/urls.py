from django.urls import path

from dudao.complaints import public, views

app_name = "complaints"
urlpatterns = [
    # The public's pages: no login.
    path("complaints/submit/", public.submit, name="submit"),
    path("complaints/track/<str:token>/", public.track, name="track"),
    path("complaints/", views.complaint_list, name="list"),
    path("complaints/new/", views.complaint_call, name="call"),
    path("complaints/import/", views.complaint_import, name="import"),
    path("complaints/import/template.xlsx", views.import_template, name="import_template"),
    path("complaints/stats/", views.complaint_stats, name="stats"),
    path("complaints/<int:pk>/", views.complaint_detail, name="detail"),
    path("complaints/<int:pk>/identity/", views.complaint_identity, name="identity"),
    path("complaints/<int:pk>/route/", views.complaint_route, name="route"),
    path("complaints/<int:pk>/reply/", views.complaint_reply, name="reply"),
    path("complaints/<int:pk>/accept/", views.complaint_accept, name="accept"),
    path("complaints/<int:pk>/send-back/", views.complaint_send_back, name="send_back"),
    path("complaints/<int:pk>/close/", views.complaint_close, name="close"),
    path("complaints/<int:pk>/files/<int:file_pk>/", views.complaint_file, name="file"),
]
