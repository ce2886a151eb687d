from django.urls import path

from dti.units import views

app_name = "units"
urlpatterns = [
    path("<int:unit_id>/", views.unit_home, name="home"),
]
