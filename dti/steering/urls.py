"""The steering committee (Ban Chỉ đạo): its dashboard, members' reports, the plan and its import."""

from django.urls import path

from dti.steering import views

app_name = "steering"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("mine/", views.mine, name="mine"),
    path("targets/<int:target_id>/", views.target_page, name="target"),
    path("targets/<int:target_id>/edit/", views.target_edit, name="target_edit"),
    path("tasks/<int:task_id>/", views.task_page, name="task"),
    path("tasks/<int:task_id>/edit/", views.task_edit, name="task_edit"),
    path("reports/<int:report_id>/evidence", views.evidence_file, name="evidence"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/targets/new/", views.target_create, name="target_create"),
    path("plans/<int:plan_id>/tasks/new/", views.task_create, name="task_create"),
    path("plans/<int:plan_id>/workbook.xlsx", views.workbook, name="workbook"),
    path("plans/<int:plan_id>/import/", views.import_upload, name="import"),
    path("import/preview/", views.import_preview, name="import_preview"),
    path("import/apply/", views.import_apply, name="import_apply"),
    path("import/cancel/", views.import_cancel, name="import_cancel"),
]
