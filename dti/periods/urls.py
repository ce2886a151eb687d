from django.urls import path

from dti.periods import views

app_name = "periods"
urlpatterns = [
    path("", views.period_list, name="list"),
]
