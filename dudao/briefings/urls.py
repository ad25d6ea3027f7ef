from django.urls import URLPattern, URLResolver

app_name = "briefings"
urlpatterns: list[URLPattern | URLResolver] = []
