from django.urls import URLPattern, URLResolver, path

from dudao.meetings import views

app_name = "meetings"
urlpatterns: list[URLPattern | URLResolver] = [
    path("meetings/", views.meeting_list, name="list"),
    path("meetings/new/", views.meeting_create, name="create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/<int:pk>/print/", views.meeting_print, name="print"),
    path("meetings/<int:pk>/minutes.docx", views.meeting_docx, name="docx"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="minutes"),
    path("meetings/<int:pk>/attendees/", views.meeting_add_attendees, name="add_attendees"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="attendance"),
    path(
        "meetings/<int:pk>/attendees/<int:attendee_pk>/remove/", views.meeting_remove_attendee, name="remove_attendee"
    ),
    path("meetings/<int:pk>/decisions/", views.decision_add, name="add_decision"),
    path("meetings/<int:pk>/owner-people/", views.owner_people, name="owner_people"),
    path("meetings/decisions/", views.ledger, name="ledger"),
    path("meetings/decisions/<int:pk>/", views.decision_detail, name="decision"),
    path("meetings/decisions/<int:pk>/progress/", views.decision_progress, name="progress"),
    path("meetings/decisions/<int:pk>/edit/", views.decision_edit, name="edit_decision"),
    path("meetings/decisions/<int:pk>/reopen/", views.decision_reopen, name="reopen"),
    path("taskforces/", views.task_force_list, name="task_forces"),
    path("taskforces/new/", views.task_force_create, name="task_force_create"),
    path("taskforces/<int:pk>/", views.task_force_detail, name="task_force"),
    path("taskforces/<int:pk>/edit/", views.task_force_edit, name="task_force_edit"),
    path("taskforces/<int:pk>/dissolve/", views.task_force_dissolve, name="task_force_dissolve"),
]
