from django.urls import path

from dudao.supervision import views

app_name = "supervision"
urlpatterns = [
    path("supervision/", views.order_list, name="list"),
    path("supervision/new/", views.order_create, name="create"),
    path("supervision/<int:pk>/", views.order_detail, name="detail"),
    path("supervision/<int:pk>/print/", views.order_print, name="print"),
    path("supervision/<int:pk>/order.docx", views.order_docx, name="docx"),
    path("supervision/<int:pk>/sign/", views.order_sign, name="sign"),
    path("supervision/<int:pk>/respond/", views.order_respond, name="respond"),
    path("supervision/<int:pk>/close/", views.order_close, name="close"),
    path("supervision/<int:pk>/return/", views.order_return, name="return"),
    path("supervision/<int:pk>/files/<int:file_pk>/", views.order_file, name="file"),
    path("supervision/accountability/", views.record_list, name="records"),
    path("supervision/accountability/new/", views.record_create, name="record_create"),
    path("supervision/accountability/<int:pk>/", views.record_detail, name="record"),
    path("supervision/accountability/<int:pk>/revoke/", views.record_revoke, name="record_revoke"),
    path("supervision/commendations/", views.commendation_list, name="commendations"),
    path("supervision/commendations/new/", views.commendation_create, name="commendation_create"),
    path("supervision/commendations/<int:pk>/", views.commendation_detail, name="commendation"),
    path("supervision/commendations/<int:pk>/revoke/", views.commendation_revoke, name="commendation_revoke"),
    path("supervision/forms/", views.form_list, name="forms"),
    path("supervision/forms/<int:pk>/toggle/", views.form_toggle, name="form_toggle"),
]
