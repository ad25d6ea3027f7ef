import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")
application = get_wsgi_application()

# No full garbage collections over the whole start-up heap in the middle of a request (dudao.core.gc_tuning).
from dudao.core.gc_tuning import install  # noqa: E402  (Django must be set up first)

install()
