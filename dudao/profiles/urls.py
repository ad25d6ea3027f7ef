from django.urls import URLPattern, URLResolver, path

from dudao.profiles import views

app_name = "profiles"
urlpatterns: list[URLPattern | URLResolver] = [
    path("schools/", views.school_list, name="schools"),
    path("schools/<int:pk>/", views.school, name="school"),
]
