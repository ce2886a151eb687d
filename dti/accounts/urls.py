from django.urls import path

from dti.accounts import people, views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.login_view, name="login"),
    path("sign-in/code/", views.totp_view, name="totp"),
    path("sign-out/", views.logout_view, name="logout"),
    path("password/", views.password_view, name="password"),
    path("two-factor/", views.totp_setup_view, name="totp_setup"),
    path("me/", views.me_view, name="me"),
    path("people/", people.people_list, name="people"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/<int:user_id>/", people.person_detail, name="person"),
    path("people/<int:user_id>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:user_id>/roles/", people.person_grant, name="person_grant"),
    path(
        "people/<int:user_id>/roles/<int:role_id>/revoke/",
        people.person_revoke,
        name="person_revoke",
    ),
    path("people/<int:user_id>/reset-password/", people.person_reset, name="person_reset"),
    path("people/<int:user_id>/unlock/", people.person_unlock, name="person_unlock"),
    path("people/<int:user_id>/active/", people.person_active, name="person_active"),
    path("security/", people.security, name="security"),
]
