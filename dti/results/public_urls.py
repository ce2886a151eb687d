"""The public site: published results only, no sign-in."""

from django.urls import path

from dti.results import views_export, views_public

app_name = "public"
urlpatterns = [
    path("", views_public.index, name="index"),
    path("<int:period_id>/", views_public.period, name="period"),
    path("<int:period_id>/unit/<int:unit_id>/", views_public.unit, name="unit"),
    path("<int:period_id>/results.csv", views_export.public_csv, name="csv"),
    path("<int:period_id>/results.json", views_export.public_json, name="json"),
    path("<int:period_id>/results.xlsx", views_export.public_workbook, name="workbook"),
    path("<int:period_id>/annex.pdf", views_export.public_annex, name="annex"),
]
