from django.urls import URLPattern, URLResolver

app_name = "appraisal"
urlpatterns: list[URLPattern | URLResolver] = []
