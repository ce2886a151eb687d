"""The assessment pages; each module owns its part of the URLs."""

from dti.assessments import views_evidence, views_form, views_signoff, views_workbook

app_name = "assessments"
urlpatterns = [
    *views_form.urlpatterns,
    *views_signoff.urlpatterns,
    *views_evidence.urlpatterns,
    *views_workbook.urlpatterns,
]
