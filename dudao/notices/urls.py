from django.conf import settings
from django.urls import path

from dudao.notices import compose, public, views

app_name = "notices"
urlpatterns = [
    path("notices/", views.notice_list, name="list"),
    path("notices/new/", views.notice_create, name="create"),
    path("notices/images/", compose.image_upload, name="image_upload"),
    path("notices/images/<int:pk>/", compose.image, name="image"),
    path("notices/audience/children/", compose.audience_children, name="audience_children"),
    path("notices/audience/search/", compose.audience_search, name="audience_search"),
    path("notices/audience/count/", compose.audience_count, name="audience_count"),
    path("notices/<int:pk>/", views.notice_detail, name="detail"),
    path("notices/<int:pk>/edit/", views.notice_edit, name="edit"),
    path("notices/<int:pk>/preview/", views.notice_preview, name="preview"),
    path("notices/<int:pk>/delete/", views.notice_delete, name="delete"),
    path("notices/<int:pk>/send/", views.notice_send, name="send"),
    path("notices/<int:pk>/withdraw/", views.notice_withdraw, name="withdraw"),
    path("notices/<int:pk>/reminders/", views.notice_reminder, name="reminder"),
    path("notices/<int:pk>/sms/", views.notice_sms, name="sms"),
    path("notices/<int:pk>/export.xlsx", views.receipts_export, name="export"),
    path("notices/<int:pk>/files/<int:file_pk>/", views.attachment, name="attachment"),
    path("notices/<int:pk>/classes/<int:class_pk>/", views.class_page, name="class"),
    path("notices/<int:pk>/classes/<int:class_pk>/slips/", views.class_slips, name="slips"),
    path("notices/<int:pk>/receipts/<int:receipt_pk>/phone/", views.phone_confirm, name="phone_confirm"),
    path("notices/<int:pk>/links/<int:link_pk>/revoke/", views.link_revoke, name="revoke_link"),
    # Public pages for parents: signed token, no login (not under the API's auth).
    path("n/<str:token>/", public.public_page, name="public"),
    path("n/<str:token>/files/<int:file_pk>/", public.public_file, name="public_file"),
    path("n/<str:token>/images/<int:image_pk>/", public.public_image, name="public_image"),
]
if settings.DUDAO_BENCH_BARE_ENDPOINT:
    urlpatterns.append(path("bench/bare-insert/", public.bench_bare, name="bench_bare"))
