from django.urls import include, path

from dudao.api.main import api

urlpatterns = [
    path("", include("dudao.core.urls")),
    path("accounts/", include("dudao.accounts.urls")),
    path("", include("dudao.orgs.urls")),
    path("", include("dudao.audit.urls")),
    path("", include("dudao.directives.urls")),
    path("api/v1/", api.urls),
]
