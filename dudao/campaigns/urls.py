from django.urls import URLPattern, URLResolver, path

from dudao.campaigns import views

app_name = "campaigns"
urlpatterns: list[URLPattern | URLResolver] = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/new/", views.campaign_create, name="create"),
    path("campaigns/attach/", views.attach_from_module, name="attach"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("campaigns/<int:pk>/rows/", views.cell_rows, name="rows"),
    path("campaigns/<int:pk>/responsibility/", views.responsibility, name="responsibility"),
    path("campaigns/<int:pk>/responsibility/template.xlsx", views.responsibility_template, name="template"),
    path("campaigns/<int:pk>/responsibility/import/", views.responsibility_import, name="import"),
    path("campaigns/<int:pk>/units/", views.units_add, name="units_add"),
    path("campaigns/<int:pk>/units/<int:line_pk>/", views.line_edit, name="line"),
    path("campaigns/<int:pk>/units/<int:line_pk>/remove/", views.line_remove, name="line_remove"),
    path("campaigns/<int:pk>/items/", views.items, name="items"),
    path("campaigns/<int:pk>/items/add/", views.item_add, name="item_add"),
    path("campaigns/<int:pk>/items/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
]
