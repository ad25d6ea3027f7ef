from django.urls import path

from dudao.partners import public, views

app_name = "partners"
urlpatterns = [
    path("partners/", views.index, name="index"),
    path("partners/new/", views.partner_create, name="create"),
    path("partners/<int:pk>/", views.partner_detail, name="detail"),
    path("partners/<int:pk>/edit/", views.partner_edit, name="edit"),
    path("partners/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("partners/<int:pk>/contacts/<int:contact_pk>/remove/", views.contact_remove, name="contact_remove"),
    path("partners/tasks/", views.tasks, name="tasks"),
    path("partners/tasks/new/", views.task_new, name="task_new"),
    path("partners/tasks/<int:pk>/", views.task_detail, name="task"),
    path("partners/tasks/<int:pk>/revoke/", views.task_revoke, name="task_revoke"),
    path("partners/tasks/<int:pk>/resend/", views.task_resend, name="task_resend"),
    path("partners/tasks/<int:pk>/close/", views.task_close, name="task_close"),
    path("partners/tasks/<int:pk>/return/", views.task_return, name="task_return"),
    path("partners/tasks/<int:pk>/photos/<int:file_pk>/", views.task_photo, name="task_photo"),
    path("partners/campaigns/", views.campaigns, name="campaigns"),
    path("partners/campaigns/new/", views.campaign_create, name="campaign_create"),
    path("partners/campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("partners/campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    # The partner's page behind the signed link: no login.
    path("xt/<str:token>/", public.task_page, name="public"),
]
