from django.urls import path

from dudao.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/numbering/", views.bulletin_numbering, name="bulletin_numbering"),
    path("bulletins/new/<int:inspection_pk>/", views.bulletin_create, name="bulletin_create"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/<int:pk>/edit/", views.bulletin_update, name="bulletin_update"),
    path("bulletins/<int:pk>/publish/", views.bulletin_publish, name="bulletin_publish"),
    path("bulletins/<int:pk>/confirm/", views.bulletin_confirm, name="bulletin_confirm"),
    path("bulletins/<int:pk>/document.docx", views.bulletin_docx, name="bulletin_docx"),
]
