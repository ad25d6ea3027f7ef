from django.urls import path

from dudao.duty import views

app_name = "duty"
urlpatterns = [
    path("duty/", views.now, name="now"),
    path("duty/mine/", views.mine, name="mine"),
    path("duty/shifts/<int:pk>/sign-in/", views.sign_in, name="sign_in"),
    path("duty/shifts/<int:pk>/log/", views.add_log, name="log"),
    path("duty/rosters/", views.rosters, name="rosters"),
    path("duty/rosters/<int:pk>/", views.roster, name="roster"),
    path("duty/rosters/<int:pk>/shifts/", views.add_shift, name="add_shift"),
    path("duty/rosters/<int:pk>/shifts/<int:shift_pk>/remove/", views.remove_shift, name="remove_shift"),
    path("duty/rosters/<int:pk>/publish/", views.publish, name="publish"),
    path("duty/rosters/<int:pk>/export.xlsx", views.roster_export, name="roster_export"),
    path("duty/rosters/<int:pk>/import/", views.roster_import, name="roster_import"),
    path("duty/rosters/template.xlsx", views.roster_template, name="roster_template"),
    path("plans/", views.plans, name="plans"),
    path("plans/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("plans/coverage/", views.coverage, name="coverage"),
    path("drills/<int:pk>/photos/<int:file_pk>/", views.drill_photo, name="drill_photo"),
    path("inspection-responses/", views.responses, name="responses"),
    path("inspection-responses/<int:pk>/", views.response, name="response"),
    path("inspection-responses/<int:pk>/tasks/<int:task_pk>/done/", views.complete_task, name="complete_task"),
    path("leave/", views.leave, name="leave"),
    path("leave/campaigns/", views.campaign_create, name="campaign_create"),
    path("leave/<int:pk>/decide/", views.leave_decide, name="leave_decide"),
    path("leave/<int:pk>/withdraw/", views.leave_withdraw, name="leave_withdraw"),
]
