from django.urls import path

from dudao.rectification import views

app_name = "rectification"
urlpatterns = [
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export.xlsx", views.ledger_export, name="export"),
    path("ledger/template.xlsx", views.import_template, name="import_template"),
    path("ledger/import/", views.findings_import, name="import"),
    path("ledger/new/", views.problem_new, name="new"),
    path("ledger/rechecks/", views.recheck_queue, name="rechecks"),
    path("ledger/today/", views.today, name="today"),
    path("ledger/overview/", views.overview, name="overview"),
    path("ledger/board/", views.board, name="board"),
    path("ledger/reminders/", views.reminders, name="reminders"),
    path("ledger/reminders/read/", views.reminders_read, name="reminders_read"),
    path("ledger/<int:pk>/", views.item_detail, name="item"),
    path("ledger/<int:pk>/assign/", views.item_assign, name="assign"),
    path("ledger/<int:pk>/progress/", views.item_progress, name="progress"),
    path("ledger/<int:pk>/closeout/", views.item_closeout, name="closeout"),
    path("ledger/<int:pk>/verify/", views.item_verify, name="verify"),
    path("ledger/<int:pk>/reject/", views.item_reject, name="reject"),
    path("ledger/<int:pk>/recheck/confirm/", views.item_recheck_confirm, name="recheck_confirm"),
    path("ledger/<int:pk>/recheck/reopen/", views.item_recheck_reopen, name="recheck_reopen"),
    path("ledger/<int:pk>/photos/<int:file_pk>/", views.item_photo, name="photo"),
    path("ledger/posting/<int:school_pk>/", views.posting, name="posting"),
    path("ledger/posting/<int:school_pk>/new/", views.posting_create, name="posting_create"),
    path("ledger/posting/<int:school_pk>/revoke/", views.posting_revoke, name="posting_revoke"),
]
