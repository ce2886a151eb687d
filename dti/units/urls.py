from django.urls import path

from dti.units import views

app_name = "units"
urlpatterns = [
    path("", views.unit_list, name="list"),
    path("new/", views.unit_create, name="create"),
    path("export.xlsx", views.unit_export, name="export"),
    path("import/", views.unit_import, name="import"),
    path("import/preview/", views.unit_import_preview, name="import_preview"),
    path("import/apply/", views.unit_import_apply, name="import_apply"),
    path("import/cancel/", views.unit_import_cancel, name="import_cancel"),
    path("import/done/", views.unit_import_done, name="import_done"),
    path("<int:unit_id>/", views.unit_home, name="home"),
    path("<int:unit_id>/edit/", views.unit_edit, name="edit"),
    path("<int:unit_id>/departments/add/", views.department_add, name="department_add"),
    path(
        "<int:unit_id>/departments/<int:department_id>/rename/",
        views.department_rename,
        name="department_rename",
    ),
    path(
        "<int:unit_id>/departments/<int:department_id>/remove/",
        views.department_remove,
        name="department_remove",
    ),
]
