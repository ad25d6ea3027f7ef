from django.urls import path

from dudao.cases import registers, views

app_name = "cases"
urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/new/", views.case_new, name="new"),
    path("cases/export.xlsx", views.case_export, name="export"),
    path("cases/break-glass/", views.break_glass, name="break_glass"),
    path("cases/suggestions/", views.suggestions, name="suggestions"),
    path("cases/suggestions/screening/<int:pk>/", views.screening_decide, name="screening_decide"),
    path("cases/suggestions/dropout/<int:pk>/", views.dropout_decide, name="dropout_decide"),
    path("cases/screening/", views.screening_import, name="screening"),
    path("cases/screening/template.xlsx", views.screening_template, name="screening_template"),
    path("cases/alerts/", views.alerts, name="alerts"),
    path("cases/alerts/read/", views.alerts_read, name="alerts_read"),
    path("cases/access/", views.access_report, name="access_report"),
    path("cases/stats/", registers.stats, name="stats"),
    path("cases/dropout/", registers.dropout_register, name="dropout"),
    path("cases/visits/", registers.visits, name="visits"),
    path("cases/visits/record/", registers.visit_record, name="visit_record"),
    path("cases/visits/coverage/", registers.visit_coverage, name="visit_coverage"),
    path("cases/staffing/", registers.staffing, name="staffing"),
    path("cases/staffing/profile/", registers.staffing_profile, name="staffing_profile"),
    path("cases/staffing/room/", registers.staffing_room, name="staffing_room"),
    path("cases/<int:pk>/", views.case_detail, name="detail"),
    path("cases/<int:pk>/print/", views.case_print, name="print"),
    path("cases/<int:pk>/note/", views.case_note, name="note"),
    path("cases/<int:pk>/level/", views.case_level, name="level"),
    path("cases/<int:pk>/step/<str:step>/", views.case_step, name="step"),
    path("cases/<int:pk>/referral/", views.case_referral, name="referral"),
    path("cases/<int:pk>/referral/<int:referral_pk>/", views.referral_status, name="referral_status"),
    path("cases/<int:pk>/review/", views.case_review, name="review"),
    path("cases/<int:pk>/dropout/", views.case_dropout, name="dropout_update"),
    path("cases/<int:pk>/close/", views.case_close, name="close"),
    path("cases/<int:pk>/attach/", views.case_attach, name="attach"),
    path("cases/<int:pk>/files/<int:file_pk>/", views.case_file, name="file"),
]
