from django.urls import URLPattern, URLResolver, path

from dudao.cockpit import views

app_name = "cockpit"
urlpatterns: list[URLPattern | URLResolver] = [
    path("cockpit/", views.index, name="index"),
    path("cockpit/todos/", views.todos, name="todos"),
    path("indicators/<str:code>/", views.indicator, name="indicator"),
]
