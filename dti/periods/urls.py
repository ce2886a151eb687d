from django.urls import path

from dti.periods import views

app_name = "periods"
urlpatterns = [
    path("", views.period_list, name="list"),
    path("new/", views.period_create, name="create"),
    path("<int:period_id>/", views.period_detail, name="detail"),
    path("<int:period_id>/edit/", views.period_edit, name="edit"),
    path("<int:period_id>/groups/<int:number>/", views.period_group, name="group"),
    path("<int:period_id>/move/", views.period_move, name="move"),
    path("<int:period_id>/reopen/", views.period_reopen, name="reopen"),
]
