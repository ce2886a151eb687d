from django.urls import include, path
from django.views.i18n import set_language

from dti.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    path("frameworks/", include("dti.frameworks.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
]
