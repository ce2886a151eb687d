"""Results for signed-in people: the administrator's review, classification and publication,
mappings between frameworks, exports before publication, and each unit's analysis."""

from django.urls import path

from dti.results import views_admin, views_export, views_unit

app_name = "results"
urlpatterns = [
    path("<int:period_id>/", views_admin.period, name="period"),
    path("<int:period_id>/bands/", views_admin.bands, name="bands"),
    path("<int:period_id>/publish/", views_admin.publish, name="publish"),
    path("mappings/", views_admin.mappings, name="mappings"),
    path("mappings/<int:older_id>/<int:newer_id>/", views_admin.mapping, name="mapping"),
    path("<int:period_id>/results.xlsx", views_export.workbook, name="workbook"),
    path("<int:period_id>/annex.pdf", views_export.annex, name="annex"),
    path("unit/<int:unit_id>/<int:period_id>/", views_unit.analysis, name="unit"),
]
