from django.urls import path

from dudao.bullying import public, views

app_name = "bullying"
urlpatterns = [
    # The guardians' pages: no login, signed tokens.
    path("bullying/r/<str:token>/", public.intake, name="intake"),
    path("bullying/s/<str:token>/", public.status, name="status"),
    path("bullying/", views.index, name="index"),
    path("bullying/new/", views.new, name="new"),
    path("bullying/stats/", views.stats, name="stats"),
    path("bullying/settings/", views.settings_page, name="settings"),
    path("bullying/settings/designate/", views.designate, name="designate"),
    path("bullying/settings/<int:designation_pk>/remove/", views.undesignate, name="undesignate"),
    path("bullying/<int:pk>/", views.detail, name="detail"),
    path("bullying/<int:pk>/step/", views.step, name="step"),
    path("bullying/<int:pk>/students/", views.add_student, name="add_student"),
    path("bullying/<int:pk>/students/<int:involvement_pk>/remove/", views.remove_student, name="remove_student"),
]
