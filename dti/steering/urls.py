"""Being written (issue 7)."""

from django.urls import URLPattern

app_name = "steering"
urlpatterns: list[URLPattern] = []
