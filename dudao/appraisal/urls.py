from django.urls import URLPattern, URLResolver, path

from dudao.appraisal import views

app_name = "appraisal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("appraisal/", views.schemes, name="schemes"),
    path("appraisal/new/", views.scheme_create, name="scheme_create"),
    path("appraisal/<int:pk>/", views.scheme, name="scheme"),
    path("appraisal/<int:pk>/edit/", views.scheme_edit, name="scheme_edit"),
    path("appraisal/<int:pk>/items/", views.item_add, name="item_add"),
    path("appraisal/<int:pk>/items/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
    path("appraisal/<int:pk>/do/<str:action>/", views.scheme_action, name="scheme_action"),
    path("appraisal/<int:pk>/export.xlsx", views.scheme_export, name="scheme_export"),
    path("appraisal/<int:pk>/units/<int:unit_pk>/", views.result, name="result"),
    path("appraisal/<int:pk>/units/<int:unit_pk>/objection/", views.objection_file, name="objection_file"),
    path("appraisal/<int:pk>/units/<int:unit_pk>/files/<int:file_pk>/", views.evidence_download, name="evidence"),
    path("appraisal/<int:pk>/units/<int:unit_pk>/items/<int:item_pk>/score/", views.manual_score, name="manual_score"),
    path("appraisal/<int:pk>/units/<int:unit_pk>/items/<int:item_pk>/deduct/", views.deduction, name="deduction"),
    path("appraisal/<int:pk>/units/<int:unit_pk>/items/<int:item_pk>/veto/", views.veto, name="veto"),
    path("appraisal/objections/", views.objections, name="objections"),
    path("appraisal/objections/<int:pk>/decide/", views.objection_decide, name="objection_decide"),
    path(
        "appraisal/objections/<int:pk>/files/<int:file_pk>/", views.objection_file_download, name="objection_evidence"
    ),
    path("targets/", views.books, name="books"),
    path("targets/issue/", views.books_issue, name="books_issue"),
    path("targets/<int:pk>/", views.book, name="book"),
    path("targets/<int:pk>/sign/", views.book_sign, name="book_sign"),
    path("targets/<int:pk>/targets/<int:target_pk>/check/", views.target_check, name="target_check"),
]
