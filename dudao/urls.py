from django.urls import include, path

from dudao.api.main import api
from dudao.rectification.views import public_posting

urlpatterns = [
    path("", include("dudao.core.urls")),
    path("accounts/", include("dudao.accounts.urls")),
    path("", include("dudao.orgs.urls")),
    path("", include("dudao.audit.urls")),
    path("", include("dudao.inspections.urls")),
    path("", include("dudao.rectification.urls")),
    path("", include("dudao.dashboard.urls")),
    # Public 公示 page behind the QR code: token link, no login.
    path("p/<str:token>/", public_posting, name="public_posting"),
    path("", include("dudao.directives.urls")),
    path("", include("dudao.duty.urls")),
    path("", include("dudao.breakdown.urls")),
    path("", include("dudao.cases.urls")),
    path("", include("dudao.notices.urls")),
    path("", include("dudao.messaging.urls")),
    path("", include("dudao.health.urls")),
    path("", include("dudao.campaigns.urls")),
    path("", include("dudao.cockpit.urls")),
    path("", include("dudao.profiles.urls")),
    path("", include("dudao.briefings.urls")),
    path("", include("dudao.meetings.urls")),
    path("", include("dudao.appraisal.urls")),
    path("", include("dudao.supervision.urls")),
    path("", include("dudao.search.urls")),
    path("", include("dudao.exports.urls")),
    path("", include("dudao.teachers.urls")),
    path("", include("dudao.buses.urls")),
    path("", include("dudao.gate.urls")),
    path("", include("dudao.calendars.urls")),
    path("", include("dudao.canteens.urls")),
    path("", include("dudao.schoolhealth.urls")),
    path("api/v1/", api.urls),
    path("", include("dudao.complaints.urls")),
    path("risks/", include("dudao.risks.urls")),
    path("", include("dudao.returns.urls")),
]
