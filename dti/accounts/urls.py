from django.urls import path

from dti.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.login_view, name="login"),
    path("sign-in/code/", views.totp_view, name="totp"),
    path("sign-out/", views.logout_view, name="logout"),
    path("password/", views.password_view, name="password"),
    path("two-factor/", views.totp_setup_view, name="totp_setup"),
    path("me/", views.me_view, name="me"),
]
