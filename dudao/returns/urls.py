from django.urls import path

from dudao.returns import public, views

app_name = "returns"
urlpatterns = [
    path("returns/", views.index, name="index"),
    path("returns/rounds/new/", views.open_round, name="open_round"),
    path("returns/rounds/<int:pk>/", views.round_detail, name="round"),
    path("returns/rounds/<int:pk>/close/", views.close_round, name="close_round"),
    path("returns/rounds/<int:pk>/classes/<int:class_pk>/", views.class_sheet, name="class"),
    path("returns/rounds/<int:pk>/students/<int:student_pk>/", views.student_answer, name="student_answer"),
    path("returns/rounds/<int:pk>/me/", views.self_answer, name="self_answer"),
    path("returns/rounds/<int:pk>/held/", views.held, name="held"),
    path("returns/answers/<int:pk>/clear/", views.clear, name="clear"),
    path("returns/suspensions/new/", views.suspend, name="suspend"),
    path("returns/suspensions/<int:pk>/", views.suspension_detail, name="suspension"),
    path("returns/suspensions/<int:pk>/arrangement/", views.arrangement, name="arrangement"),
    path("returns/suspensions/<int:pk>/lift/", views.lift, name="lift"),
    path("returns/arrivals/", views.arrivals, name="arrivals"),
    path("returns/arrivals/set/", views.set_arrival, name="set_arrival"),
    path("returns/arrivals/<int:pk>/remove/", views.remove_arrival, name="remove_arrival"),
    path("returns/arrivals/print/", views.arrivals_print, name="arrivals_print"),
    path("r/<str:token>/", public.public_answer, name="public_answer"),
    path("s/<str:token>/", public.public_suspension, name="public_suspension"),
]
