from django.urls import path

from dti.frameworks import views

app_name = "frameworks"
urlpatterns = [
    path("", views.framework_list, name="list"),
    path("<slug:code>/", views.framework_detail, name="detail"),
    path("<slug:code>/v<int:version>/", views.framework_detail, name="version"),
    path("<slug:code>/v<int:version>/export.<str:fmt>", views.framework_export, name="export"),
]
