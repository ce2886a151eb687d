from django.urls import path

from dti.appraisal import views

app_name = "appraisal"
urlpatterns = [
    path("<int:period_id>/assignments/", views.assignments, name="assignments"),
    path(
        "<int:period_id>/assignments/<int:assignment_id>/remove/",
        views.unassign,
        name="unassign",
    ),
    path("<int:period_id>/checks/", views.check_settings, name="checks"),
]
