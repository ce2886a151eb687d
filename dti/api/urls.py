"""The web pages of the API: the guide with examples, and the owner's tokens."""

from django.urls import path

from dti.api import views

app_name = "apiweb"

urlpatterns = [
    path("", views.guide, name="guide"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke, name="revoke"),
]
