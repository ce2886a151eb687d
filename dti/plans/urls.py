"""Improvement plans (kế hoạch cải thiện) and the what-if calculator."""

from django.urls import path

from dti.plans import views_plan, views_whatif

app_name = "plans"
urlpatterns = [
    *views_plan.urlpatterns,
    path("whatif/<int:unit_id>/<int:period_id>/", views_whatif.whatif, name="whatif"),
]
