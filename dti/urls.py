from django.urls import include, path, re_path
from django.views.i18n import set_language

from dti.accounts import views as accounts
from dti.api.api import api, api_not_found
from dti.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    path("start/", accounts.start_view, name="start"),
    path("accounts/", include("dti.accounts.urls")),
    path("frameworks/", include("dti.frameworks.urls")),
    path("units/", include("dti.units.urls")),
    path("periods/", include("dti.periods.urls")),
    path("assessments/", include("dti.assessments.urls")),
    path("appraisal/", include("dti.appraisal.urls")),
    path("results/", include("dti.results.urls")),
    path("public/", include("dti.results.public_urls")),
    path("plans/", include("dti.plans.urls")),
    path("steering/", include("dti.steering.urls")),
    path("audit/", include("dti.audit.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", api_not_found),
    path("api/", include("dti.api.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
]
