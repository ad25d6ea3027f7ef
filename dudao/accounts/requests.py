"""The request type of views behind a login: `request.user` is a signed-in `User`, never `AnonymousUser`."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from dudao.accounts.models import User


class AuthedRequest(HttpRequest):
    """For views under `login_required` and API operations behind `TokenOrSession` (which answers 401 unless it set a
    signed-in `User`). Annotation only: Django still passes its own request object."""

    user: User
    htmx: HtmxDetails
