from django.urls import path

from dudao.orgs import tag_views, views

app_name = "orgs"
urlpatterns = [
    path("orgs/", views.tree, name="tree"),
    path("orgs/search/", views.search, name="search"),
    path("orgs/picker/", views.unit_picker, name="picker"),
    path("orgs/picker/tree/", views.picker_tree, name="picker_tree"),
    path("orgs/<int:pk>/", views.unit_detail, name="unit"),
    path("orgs/<int:pk>/create/", views.unit_create, name="unit_create"),
    path("orgs/<int:pk>/rename/", views.unit_rename, name="unit_rename"),
    path("orgs/<int:pk>/move/", views.unit_move, name="unit_move"),
    path("orgs/<int:pk>/close/", views.unit_close, name="unit_close"),
    path("orgs/<int:pk>/students/", views.roster_list, name="roster"),
    path("orgs/<int:pk>/students/template.xlsx", views.roster_template, name="roster_template"),
    path("orgs/<int:pk>/students/import/", views.roster_import, name="roster_import"),
    path("orgs/<int:pk>/students/export.xlsx", views.roster_export, name="roster_export"),
    path("students/<int:pk>/", views.student_detail, name="student"),
    path("students/<int:pk>/reveal/", views.student_reveal, name="student_reveal"),
    path("students/<int:pk>/transfer/", views.student_transfer, name="student_transfer"),
    path("students/<int:pk>/leave/", views.student_leave, name="student_leave"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/create/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/assign/", views.staff_assign, name="staff_assign"),
    path("staff/<int:pk>/active/", views.staff_set_active, name="staff_set_active"),
    path("staff/<int:pk>/password/", views.staff_reset_password, name="staff_reset_password"),
    path("staff/<int:pk>/revoke/<int:assignment_pk>/", views.staff_revoke, name="staff_revoke"),
    path("orgs/tags/", tag_views.tag_list, name="tags"),
    path("orgs/tags/new/", tag_views.tag_create, name="tag_create"),
    path("orgs/tags/template.xlsx", tag_views.tag_template, name="tag_template"),
    path("orgs/tags/import/", tag_views.tag_import, name="tag_import"),
    path("orgs/tags/<int:pk>/", tag_views.tag_detail, name="tag"),
    path("orgs/tags/<int:pk>/add/", tag_views.tag_add, name="tag_add"),
    path("orgs/tags/<int:pk>/remove/", tag_views.tag_remove, name="tag_remove"),
]
