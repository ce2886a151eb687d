from django.urls import path

from dti.appraisal import views, views_council, views_unit, views_workspace

app_name = "appraisal"
urlpatterns = [
    # the administrator: who appraises which unit, and the automated checks
    path("<int:period_id>/assignments/", views.assignments, name="assignments"),
    path(
        "<int:period_id>/assignments/<int:assignment_id>/remove/",
        views.unassign,
        name="unassign",
    ),
    path("<int:period_id>/checks/", views.check_settings, name="checks"),
    # the appraiser's workspace
    path("", views_workspace.home, name="home"),
    path("review/<int:assessment_id>/", views_workspace.review, name="review"),
    path(
        "review/<int:assessment_id>/decide/<int:criterion_id>/",
        views_workspace.decide,
        name="decide",
    ),
    path("review/<int:assessment_id>/ask/<int:criterion_id>/", views_workspace.ask, name="ask"),
    path(
        "review/<int:assessment_id>/questions/<int:message_id>/withdraw/",
        views_workspace.withdraw,
        name="withdraw",
    ),
    path("review/<int:assessment_id>/send/", views_workspace.send_round, name="send_round"),
    path("review/<int:assessment_id>/checks/", views_workspace.rerun_checks, name="rerun_checks"),
    path(
        "review/<int:assessment_id>/evidence/<int:evidence_id>/",
        views_workspace.evidence_file,
        name="evidence_file",
    ),
    # the chair of the council
    path("<int:period_id>/council/", views_council.council, name="council"),
    path("review/<int:assessment_id>/finalise/", views_council.finalise, name="finalise"),
    path("<int:period_id>/approve/", views_council.approve, name="approve"),
    # the unit: questions to answer, and its appraised results once final
    path("unit/<int:assessment_id>/questions/", views_unit.questions, name="questions"),
    path(
        "unit/<int:assessment_id>/questions/<int:criterion_id>/answer/",
        views_unit.answer,
        name="answer",
    ),
    path("unit/<int:assessment_id>/questions/send/", views_unit.send_answers, name="send_answers"),
    path("unit/<int:assessment_id>/results/", views_unit.results, name="results"),
]
