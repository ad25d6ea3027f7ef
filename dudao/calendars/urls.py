from django.urls import path

from dudao.calendars import views

app_name = "calendars"
urlpatterns = [
    path("calendar/", views.month, name="month"),
    path("calendar/years/", views.years, name="years"),
    path("calendar/years/template.xlsx", views.year_template, name="year_template"),
    path("calendar/years/<int:pk>/", views.year, name="year"),
    path("calendar/years/<int:pk>/terms/", views.add_term, name="add_term"),
    path("calendar/years/<int:pk>/terms/<int:term_pk>/remove/", views.remove_term, name="remove_term"),
    path("calendar/years/<int:pk>/entries/", views.add_entry, name="add_entry"),
    path("calendar/years/<int:pk>/entries/<int:entry_pk>/remove/", views.remove_entry, name="remove_entry"),
    path("calendar/years/<int:pk>/publish/", views.publish, name="publish"),
    path("calendar/years/<int:pk>/import/", views.import_year, name="import"),
    path("calendar/local/", views.local_days, name="local"),
    path("calendar/local/<int:pk>/remove/", views.remove_local, name="remove_local"),
]
