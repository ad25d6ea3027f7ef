from django.urls import path

from dudao.breakdown import views

app_name = "breakdown"
urlpatterns = [
    path("breakdown/", views.analysis_list, name="list"),
    path("breakdown/<int:pk>/", views.analysis_detail, name="detail"),
    path("breakdown/<int:pk>/rows/", views.rows_action, name="rows"),
    path("breakdown/<int:pk>/rows/<int:row_pk>/", views.row_edit, name="row_edit"),
    path("breakdown/<int:pk>/rows/<int:row_pk>/delete/", views.row_delete, name="row_delete"),
    path("breakdown/<int:pk>/rows/<int:row_pk>/kind/", views.row_kind, name="row_kind"),
    path("breakdown/<int:pk>/rows/<int:row_pk>/split/", views.row_split, name="row_split"),
    path("breakdown/<int:pk>/export.xlsx", views.export, {"kind": "xlsx"}, name="export_xlsx"),
    path("breakdown/<int:pk>/export.docx", views.export, {"kind": "docx"}, name="export_docx"),
]
