from django.urls import path

from dudao.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", views.profile, name="profile"),
    path("me/password/", views.change_password, name="change_password"),
    path("me/tokens/", views.create_token, name="create_token"),
    path("me/tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("me/acting/", views.switch_acting, name="switch_acting"),
]
