"""The appraiser's workspace (thẩm định): the units assigned to them, and one unit's appraisal.

The unit page puts the automated flags first, then the explanation rounds, then every criterion
in framework order with the unit's figures, note and evidence (PDFs and images previewed in the
page), the self-score beside the appraised score, the thread of questions and answers, and the
forms to accept, correct, set the score or ask. It costs the same number of queries for 45
criteria as for 76: criteria, answers, decisions, evidence, their links, messages and rounds are
each read once.

Every view: signed in, then ``get_review_for_user`` (404 for anyone not on the unit's council);
POST views parse a form, call one action, and come back to the criterion with the outcome.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from dti.accounts.access import Access, access_of
from dti.appraisal import actions
from dti.appraisal.access import (
    ASKING,
    WORKING,
    Appraising,
    assessments_for_appraiser,
    get_review_for_user,
)
from dti.appraisal.actions import AppraisalError
from dti.appraisal.checks import CHECKS, flag_from_json
from dti.appraisal.compare import Comparison, Line, compare, live_totals
from dti.appraisal.models import Assignment, Decision, Message, Review, Round
from dti.assessments import uploads
from dti.assessments.actions import Invalid
from dti.assessments.models import Answer, Assessment, Evidence
from dti.assessments.views_evidence import document_reference, serve_file
from dti.assessments.views_form import field_message, inputs_for, normalise
from dti.audit.trail import Actor
from dti.frameworks.models import Criterion
from dti.frameworks.present import describe_rule, render_problem
from dti.frameworks.store import to_scoring
from dti.periods.models import Period, PeriodUnit
from dti.scoring.numbers import format_points
from dti.scoring.rules import RULES
from dti.web.jinja import render_list

#: Approved and published periods stay on the workspace as history.
HISTORY = (Period.Status.APPROVED, Period.Status.PUBLISHED)
#: The criteria filter of the unit page (GET ``show``).
FILTERS = ("all", "flagged", "differing", "undecided", "questions")
#: Messages about one criterion carry this tag, so the page shows them in the criterion's card.
CRITERION_TAG = "criterion:"


def _lang() -> str:
    return get_language() or "vi"


def _signed(value: Decimal | None, lang: str) -> str:
    """A difference of points with its sign: "+2,5", "−7,5", "0"."""
    if value is None:
        return ""
    if value > 0:
        return f"+{format_points(value, lang)}"
    if value < 0:
        return f"\u2212{format_points(-value, lang)}"
    return "0"


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.full_name or user.get_username())


# ------------------------------------------------------------------ the workspace home


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The periods under appraisal (and the approved ones, for history), newest first, with the
    units the person appraises in each: status, progress, flags, open questions and totals."""
    access = access_of(request)
    if not (access.is_appraiser or access.is_admin):
        raise PermissionDenied
    periods = Period.objects.filter(status__in=[*WORKING, *HISTORY]).order_by(
        "-year", "-created_at"
    )
    # Periods under appraisal in full; finished ones (history) folded to one line unless asked
    # for with ``?period=<id>``: their units are one click away, the page stays quick.
    shown = request.GET.get("period", "")
    sections = [
        _period_section(access, period)
        if period.status not in HISTORY or shown == str(period.pk)
        else {
            "period": period,
            "history": True,
            "folded": True,
            "units": len(assessments_for_appraiser(access, period)),
        }
        for period in periods
    ]
    return render(
        request,
        "appraisal/workspace/home.html",
        {
            "sections": sections,
            "council": access.is_chair or access.is_admin,
            "is_admin": access.is_admin,
        },
    )


def _period_section(access: Access, period: Period) -> dict[str, Any]:
    """One period's units for the person, in a fixed number of queries however many units."""
    unit_ids = assessments_for_appraiser(access, period)
    memberships = list(
        PeriodUnit.objects.filter(period=period, unit_id__in=unit_ids)
        .select_related("unit", "group__framework")
        .order_by("group__number", "unit__position", "unit__name")
    )
    assessments = {
        a.unit_id: a
        for a in Assessment.objects.filter(period=period, unit_id__in=unit_ids).select_related(
            "review"
        )
    }
    for membership in memberships:
        if (assessment := assessments.get(membership.unit_id)) is not None:
            assessment.period = period
            assessment.group = membership.group
            assessment.unit = membership.unit
    reviews = {
        a.pk: a.review for a in assessments.values() if getattr(a, "review", None) is not None
    }
    working = [
        a
        for a in assessments.values()
        if a.pk in reviews and not reviews[a.pk].is_final and a.status == a.Status.SUBMITTED
    ]
    facts = council_facts(working, [r.pk for r in reviews.values()])
    pillars = {
        a.unit_id: a.pillars
        for a in (
            Assignment.objects.filter(period=period, appraiser=access.user)
            if access.user is not None
            else []
        )
    }
    now = timezone.now()
    leaves_of: dict[int, int] = {}
    rows = []
    for membership in memberships:
        assessment = assessments.get(membership.unit_id)
        review = reviews.get(assessment.pk) if assessment is not None else None
        framework = membership.group.framework
        if framework.pk not in leaves_of:
            leaves_of[framework.pk] = len(to_scoring(framework).leaves)
        leaves = leaves_of[framework.pk]
        row: dict[str, Any] = {
            "unit": membership.unit,
            "group": membership.group,
            "review": review,
            "assessment": assessment,
            "leaves": leaves,
            "pillars": pillars.get(membership.unit_id, []),
        }
        if assessment is None or review is None:
            row.update(state="waiting", status=_("Not submitted"))
            rows.append(row)
            continue
        review.assessment = assessment
        self_total, appraised_total = facts.totals(assessment, review)
        row.update(
            decided=facts.decided[review.pk],
            flags=len(review.flags),
            open_questions=facts.questions[review.pk],
            self_total=self_total,
            appraised_total=appraised_total,
        )
        if row["self_total"] is not None and row["appraised_total"] is not None:
            row["difference"] = row["appraised_total"] - row["self_total"]
            row["difference_text"] = _signed(row["difference"], _lang())
        row.update(facts.status(assessment, review, now))
        rows.append(row)
    return {"period": period, "rows": rows, "history": period.status in HISTORY}


@dataclass
class CouncilFacts:
    """What the council's lists show of many units, read in a fixed number of queries."""

    live: dict[int, tuple[Decimal, Decimal]]  # submitted assessment not yet final -> totals
    decided: Counter[int]  # review id -> criteria decided
    latest: dict[int, Round]  # review id -> its latest round
    questions: Counter[int]  # review id -> open questions
    waiting_in_round: Counter[int]  # round id -> open questions sent in it

    def totals(self, assessment: Assessment, review: Review) -> tuple[Decimal | None, ...]:
        """Self-assessed and appraised totals: live while the council works, stored after."""
        if assessment.pk in self.live:
            return self.live[assessment.pk]
        return review.self_total, review.appraised_total

    def status(
        self, assessment: Assessment, review: Review, now: datetime.datetime
    ) -> dict[str, str]:
        return home_status(
            assessment, review, self.latest.get(review.pk), self.waiting_in_round, now
        )


def council_facts(working: list[Assessment], review_ids: list[int]) -> CouncilFacts:
    """The live totals of the ``working`` assessments (each with its ``review``, ``group`` and
    ``period`` at hand), and the decisions, rounds and open questions of the reviews, for the
    workspace page and the API's list alike."""
    decided: Counter[int] = Counter(
        dict(
            Decision.objects.filter(review_id__in=review_ids)
            .values("review_id")
            .annotate(n=Count("id"))
            .values_list("review_id", "n")
        )
    )
    decisions: dict[int, list[Decision]] = defaultdict(list)
    for decision in (
        Decision.objects.filter(review__assessment__in=working)
        .select_related("criterion")
        .only("review_id", "kind", "inputs", "score", "version", "criterion__code")
    ):
        decisions[decision.review_id].append(decision)
    live = live_totals([(a, a.review, decisions.get(a.review.pk, [])) for a in working])
    latest: dict[int, Round] = {}
    for round_ in Round.objects.filter(review_id__in=review_ids).order_by("number"):
        latest[round_.review_id] = round_
    questions: Counter[int] = Counter()
    waiting_in_round: Counter[int] = Counter()
    for review_id, round_id in Message.objects.filter(
        review_id__in=review_ids, kind=Message.Kind.QUESTION, resolved_at__isnull=True
    ).values_list("review_id", "round_id"):
        questions[review_id] += 1
        if round_id is not None:
            waiting_in_round[round_id] += 1
    return CouncilFacts(live, decided, latest, questions, waiting_in_round)


def home_status(
    assessment: Assessment,
    review: Review,
    round_: Round | None,
    waiting_in_round: Mapping[int, int],
    now: datetime.datetime,
) -> dict[str, str]:
    """Where the unit's appraisal stands, in a few words and a tag colour."""
    if review.is_final:
        return {"state": "final", "status": _("Finalised")}
    if assessment.status != Assessment.Status.SUBMITTED:
        return {"state": "waiting", "status": _("Reopened to the unit, not submitted again")}
    if round_ is not None and round_.is_open(now):
        return {
            "state": "asking",
            "status": _("Round %(number)s open until %(date)s")
            % {"number": round_.number, "date": round_.due.strftime("%d/%m/%Y")},
        }
    if round_ is not None and waiting_in_round.get(round_.pk):
        if round_.answered_at is not None:
            return {
                "state": "answered",
                "status": _("Round %(number)s: answers in") % {"number": round_.number},
            }
        return {
            "state": "answered",
            "status": _("Round %(number)s closed on %(date)s")
            % {"number": round_.number, "date": round_.due.strftime("%d/%m/%Y")},
        }
    return {"state": "working", "status": _("Submitted, being appraised")}


# ------------------------------------------------------------------ one unit's appraisal


@login_required
@require_GET
def review(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The unit's appraisal, criterion by criterion, flags first."""
    assessment, review, appraising = get_review_for_user(request, assessment_id)
    lang = _lang()
    now = timezone.now()
    period = assessment.period
    framework = assessment.group.framework
    general = assessment.general_info or {}
    labels = {f["key"]: f["label"] for f in framework.general_info}

    criteria = list(Criterion.objects.filter(framework=framework).order_by("position"))
    by_pk = {c.pk: c for c in criteria}
    by_code = {c.code: c for c in criteria}
    answers = list(assessment.answers.all())
    for answer in answers:
        answer.criterion = by_pk[answer.criterion_id]  # no query per answer
    answer_of = {a.criterion_id: a for a in answers}
    decisions = list(review.decisions.select_related("decided_by"))
    for decision in decisions:
        decision.criterion = by_pk[decision.criterion_id]
    comparison = compare(assessment, review, answers, decisions)

    evidence = {e.pk: e for e in assessment.evidence.all()}
    evidence_of: dict[int, list[Evidence]] = defaultdict(list)
    for evidence_id, criterion_id in Evidence.criteria.through.objects.filter(
        evidence__assessment=assessment
    ).values_list("evidence_id", "criterion_id"):
        if evidence_id in evidence:
            evidence_of[criterion_id].append(evidence[evidence_id])
    rounds = list(review.rounds.select_related("sent_by", "answered_by"))
    round_by_pk = {r.pk: r for r in rounds}
    thread = list(review.messages.select_related("author"))
    attached: dict[int, list[Evidence]] = defaultdict(list)
    for message_id, evidence_id in Message.evidence.through.objects.filter(
        message__review=review
    ).values_list("message_id", "evidence_id"):
        if evidence_id in evidence:
            attached[message_id].append(evidence[evidence_id])
    thread_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for message in thread:
        message.round = round_by_pk.get(message.round_id)  # type: ignore[arg-type]
        thread_of[message.criterion_id].append(
            {
                "message": message,
                "author": _name(message.author),
                "evidence": [_piece(assessment, e) for e in attached.get(message.pk, [])],
                "withdraw_url": reverse("appraisal:withdraw", args=[assessment.pk, message.pk])
                if message.round_id is None and message.kind == Message.Kind.QUESTION
                else "",
            }
        )

    flags = [_flag(data, lang) for data in review.flags]
    flags_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for flag in flags:
        flags_of[flag["code"]].append(flag)

    show = request.GET.get("show", "all")
    if show not in FILTERS:
        show = "all"
    asking = appraising.decide and period.status in ASKING
    general_notices, notices = _notices(request)
    rows, counts = _criterion_rows(
        comparison,
        by_code,
        answer_of,
        evidence_of,
        thread_of,
        flags_of,
        appraising,
        asking,
        general,
        labels,
        lang,
        now,
        show,
        set(notices),
        assessment,
    )
    visible = {row["line"].code for row in rows if row["kind"] == "leaf"}
    review_url = reverse("appraisal:review", args=[assessment.pk])
    for flag in flags:
        flag["href"] = (
            f"#c-{flag['code']}" if flag["code"] in visible else f"{review_url}#c-{flag['code']}"
        )
        criterion = by_code.get(flag["code"])
        flag["title"] = criterion.title if criterion is not None else ""
    for row in rows:
        row["notices"] = notices.pop(row["line"].code, [])
    general_notices += [notice for pending in notices.values() for notice in pending]

    drafts = [
        m
        for m in thread
        if m.kind == Message.Kind.QUESTION and m.round_id is None and m.criterion_id in by_pk
    ]
    for draft in drafts:
        draft.criterion = by_pk[draft.criterion_id]
    questions_in: Counter[int] = Counter(
        m.round_id for m in thread if m.kind == Message.Kind.QUESTION and m.round_id
    )
    answers_in: Counter[int] = Counter(
        m.round_id for m in thread if m.kind == Message.Kind.ANSWER and m.round_id
    )
    round_rows = [
        {
            "round": r,
            "open": r.is_open(now),
            "questions": questions_in[r.pk],
            "answers": answers_in[r.pk],
        }
        for r in rounds
    ]
    open_round = next((r["round"] for r in round_rows if r["open"]), None)
    leaves = comparison.leaves
    context = {
        "assessment": assessment,
        "review": review,
        "period": period,
        "unit": assessment.unit,
        "appraising": appraising,
        "pillar_codes": sorted(appraising.pillars),
        "comparison": comparison,
        "pillars": [
            {"line": p, "criterion": by_code[p.code], "diff": _signed(p.difference, lang)}
            for p in comparison.pillars
        ],
        "difference": comparison.points_moved,
        "difference_text": _signed(comparison.points_moved, lang),
        "leaf_count": len(leaves),
        "decided": comparison.decided,
        "corrected": comparison.corrected,
        "open_questions": sum(
            1 for m in thread if m.kind == Message.Kind.QUESTION and m.resolved_at is None
        ),
        "flags": flags,
        "flag_errors": sum(1 for f in flags if f["severity"] == "error"),
        "rows": rows,
        "counts": counts,
        "show": show,
        "filters": [
            (key, label, counts[key])
            for key, label in (
                ("all", _("All criteria")),
                ("flagged", _("Flagged")),
                ("differing", _("Scores differ")),
                ("undecided", _("Not decided yet")),
                ("questions", _("With questions")),
            )
        ],
        "drafts": drafts,
        "round_rows": round_rows,
        "open_round": open_round,
        "asking": asking,
        "may_send": asking and bool(drafts) and open_round is None,
        "due": _default_due(period),
        "general_fields": [
            {"label": f["label"], "unit": f.get("unit", ""), "value": general.get(f["key"])}
            for f in framework.general_info
        ],
        "notices": general_notices,
        "messages": [],  # shown by this page itself: those about a criterion in its card
    }
    # The criteria: 45 to 76 cards, drawn by Jinja2 (see dti.web.jinja).
    context["criteria"] = render_list(
        "appraisal/workspace/criteria.jinja",
        {
            "rows": rows,
            "show": show,
            "asks": [(value, str(label)) for value, label in Message.Asks.choices],
            "t": _words(),
            # The same hidden field in every card's forms, made once.
            "csrf_field": format_html(
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
            ),
        },
    )
    return render(request, "appraisal/workspace/review.html", context)


def _words() -> dict[str, str]:
    """Every word of the criteria's cards, translated once per page rather than in every card."""
    return {
        "gone": _("%(code)s no longer matches this filter."),
        "show_it": _("Show it"),
        "no_match": _("No criterion matches this filter."),
        "show_here": _("Show here"),
        "round": _("round %(number)s"),
        "answering": _(
            "The unit can answer on this criterion until %(date)s; decide after its answers are in."
        ),
        "yes": _("Yes"),
        "no": _("No"),
        "na": _("Not applicable"),
        "choose": _("— choose —"),
        "reason": _("Reason (the unit will read it)"),
        "self": _("Self"),
        "appraised": _("Appraised"),
        "max": _("Max"),
        "minus": _("Appraised minus self-assessed"),
        "figures": _("The unit's figures"),
        "nothing": _("Nothing entered."),
        "note": _("The unit's note"),
        "evidence": _("Evidence"),
        "no_evidence": _("No evidence attached."),
        "decision": _("Decision"),
        "undecided": _("Not decided yet: the appraised score is the unit's own."),
        "qa": _("Questions and answers"),
        "not_sent": _("not sent yet"),
        "settled": _("settled"),
        "answers_in": _("answers are in: decide"),
        "withdraw": _("Withdraw this question"),
        "undo": _("Undo: accept the unit's figures"),
        "accept": _("Accept the unit's score"),
        "correct": _("Correct the figures"),
        "save_corrected": _("Save the corrected figures"),
        "set": _("Set the score"),
        "save_score": _("Save the score"),
        "ask": _("Ask the unit"),
        "ask_for": _("Ask for"),
        "question": _("Question for the unit"),
        "write": _("Write the question"),
        "waits": _("The question waits with the others until you send the round."),
        "reason_label": _("Reason"),
    }


def _flag(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    flag = flag_from_json(data)
    check = CHECKS.get(flag.check)
    return {
        "code": flag.criterion_code,
        "severity": flag.severity,
        "check": _(check.label) if check is not None else flag.check,
        "message": flag.message(_, lang),
    }


def _piece(assessment: Assessment, evidence: Evidence) -> dict[str, Any]:
    """A piece of evidence as the page shows it: a file previewed, a link, a document."""
    piece: dict[str, Any] = {
        "evidence": evidence,
        "kind": evidence.kind,
        "kind_label": str(Evidence.Kind(evidence.kind).label),
    }
    if evidence.kind == Evidence.Kind.FILE:
        url = reverse("appraisal:evidence_file", args=[assessment.pk, evidence.pk])
        inline = evidence.content_type in uploads.INLINE_CONTENT_TYPES
        piece.update(
            url=url,
            inline_url=f"{url}?inline=1" if inline else "",
            preview=(
                "pdf"
                if evidence.content_type == "application/pdf"
                else ("image" if inline and evidence.content_type.startswith("image/") else "")
            ),
            type_label=uploads.LABELS.get(evidence.content_type, ""),
        )
    elif evidence.kind == Evidence.Kind.DOCUMENT:
        piece["reference"] = document_reference(evidence)
    return piece


def _describe(
    criterion: Criterion,
    inputs: Mapping[str, Any],
    general: Mapping[str, Any],
    labels: Mapping[str, str],
    lang: str,
) -> list[dict[str, str]]:
    """Figures as the appraiser reads them: label and value, per rule type."""
    if not inputs:
        return []
    shown: list[dict[str, str]] = []
    if inputs.get("na"):
        shown.append({"label": _("Not applicable"), "value": "", "source": ""})
    for field in inputs_for(criterion, inputs, general, labels, lang):
        kind, value = field["kind"], field["value"]
        if kind == "yesno":
            text = _("Yes") if value is True else (_("No") if value is False else "")
        elif kind == "choice":
            text = next((o["text"] for o in field["options"] if o["key"] == value), value)
        else:
            text = str(value or "")
            if text and field.get("suffix"):
                text = f"{text} {field['suffix']}"
        if not text and kind != "fixed":
            continue
        shown.append(
            {"label": field["label"], "value": text or "—", "source": field.get("source_text", "")}
        )
    return shown


def _criterion_rows(
    comparison: Comparison,
    by_code: Mapping[str, Criterion],
    answer_of: Mapping[int, Answer],
    evidence_of: Mapping[int, list[Evidence]],
    thread_of: Mapping[int, list[dict[str, Any]]],
    flags_of: Mapping[str, list[dict[str, Any]]],
    appraising: Appraising,
    asking: bool,
    general: Mapping[str, Any],
    labels: Mapping[str, str],
    lang: str,
    now: datetime.datetime,
    show: str,
    noticed: set[str],
    assessment: Assessment,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Every line of the comparison, in framework order; leaves with all they need, parents as
    sub-headings shown when one of their leaves is. Also how many leaves each filter keeps.

    A leaf the filter leaves out but that a message is about (just decided, under "not decided
    yet") keeps its place as a short "gone" row, so the person lands where they were."""
    counts: Counter[str] = Counter()
    rows: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    path: list[str] = []
    for line in comparison.lines:
        criterion = by_code[line.code]
        path = [*path[: line.depth], line.code]
        while stack and stack[-1]["line"].depth >= line.depth:
            stack.pop()
        if not line.is_leaf:
            row = {
                "line": line,
                "criterion": criterion,
                "kind": "pillar" if line.depth == 0 else "group",
                "diff": _signed(line.difference, lang),
                "visible": False,
            }
            rows.append(row)
            stack.append(row)
            continue
        row = _leaf_row(
            line,
            criterion,
            answer_of.get(criterion.pk),
            evidence_of.get(criterion.pk, []),
            thread_of.get(criterion.pk, []),
            flags_of.get(line.code, []),
            appraising.may_decide(tuple(reversed(path))),
            asking,
            general,
            labels,
            lang,
            now,
            assessment,
        )
        matches = {
            "all": True,
            "flagged": bool(row["flags"]),
            "differing": line.differs,
            "undecided": line.decision is None,
            "questions": bool(row["thread"]),
        }
        counts.update(key for key, hit in matches.items() if hit)
        row["visible"] = matches[show] or line.code in noticed
        if not matches[show]:
            row["kind"] = "gone"
        if row["visible"]:
            for parent in stack:
                parent["visible"] = True
        rows.append(row)
    for key in FILTERS:
        counts.setdefault(key, 0)
    return [row for row in rows if row["visible"]], dict(counts)


def _leaf_row(
    line: Line,
    criterion: Criterion,
    answer: Answer | None,
    evidence: list[Evidence],
    thread: list[dict[str, Any]],
    flags: list[dict[str, Any]],
    may_decide: bool,
    asking: bool,
    general: Mapping[str, Any],
    labels: Mapping[str, str],
    lang: str,
    now: datetime.datetime,
    assessment: Assessment,
) -> dict[str, Any]:
    inputs = answer.inputs if answer is not None else {}
    decision = line.decision
    corrected = decision is not None and decision.kind == Decision.Kind.CORRECTED
    # The correction form starts from the figures as they stand: the council's, once corrected.
    start = decision.inputs if corrected and decision is not None else inputs
    answering = [
        item["message"].round
        for item in thread
        if item["message"].kind == Message.Kind.QUESTION
        and item["message"].round is not None
        and item["message"].round.is_open(now)
    ]
    return {
        "line": line,
        "criterion": criterion,
        "kind": "leaf",
        "rule": describe_rule(criterion.rule_type, criterion.rule_params, lang, labels),
        "figures": _describe(criterion, inputs, general, labels, lang),
        "note": answer.note if answer is not None else "",
        "corrected_figures": _describe(criterion, decision.inputs, general, labels, lang)
        if corrected and decision is not None
        else [],
        "decided_text": _("by %(who)s at %(when)s")
        % {
            "who": _name(decision.decided_by),
            "when": date_filter(timezone.localtime(decision.decided_at), "H:i d/m/Y"),
        }
        if decision is not None
        else "",
        "score_label": _("Appraised score (0 to %(max)s)") % {"max": format_points(line.max, lang)}
        if may_decide
        else "",
        "fields": inputs_for(criterion, start, general, labels, lang) if may_decide else [],
        "na": bool(start.get("na")),
        "evidence": [_piece(assessment, e) for e in evidence],
        "thread": thread,
        "flags": flags,
        "may_decide": may_decide,
        "may_ask": may_decide and asking,
        "answering_until": answering[0].due if answering else None,
        "diff": _signed(line.difference, lang),
        "decide_url": reverse("appraisal:decide", args=[assessment.pk, criterion.pk])
        if may_decide
        else "",
        "ask_url": reverse("appraisal:ask", args=[assessment.pk, criterion.pk])
        if may_decide and asking
        else "",
    }


def _notices(request: HttpRequest) -> tuple[list[Any], dict[str, list[Any]]]:
    """The pending messages: those about a criterion (by its code), and the others."""
    general: list[Any] = []
    by_code: dict[str, list[Any]] = defaultdict(list)
    for message in messages.get_messages(request):
        tags = (message.extra_tags or "").split()
        code = next((t[len(CRITERION_TAG) :] for t in tags if t.startswith(CRITERION_TAG)), "")
        if code:
            by_code[code].append(message)
        else:
            general.append(message)
    return general, by_code


def _default_due(period: Period) -> datetime.date:
    """The round's answer date: the period's explanation deadline while it lies ahead, else a week."""
    today = timezone.localdate()
    deadline = period.explanation_deadline
    if deadline is not None and deadline >= today:
        return deadline
    return today + datetime.timedelta(days=7)


# ------------------------------------------------------------------ actions


class DecideForm(forms.Form):
    """Accept, correct the figures (posted as ``inputs.<name>``) or set the score; a reason."""

    kind = forms.ChoiceField(
        choices=Decision.Kind.choices,
        error_messages={"required": gettext_lazy("Choose accept, correct or set the score.")},
    )
    points = forms.CharField(required=False, max_length=20)
    reason = forms.CharField(required=False, max_length=4000)


class AskForm(forms.Form):
    asks = forms.ChoiceField(
        choices=Message.Asks.choices,
        error_messages={
            "required": gettext_lazy(
                "Choose whether you ask for an explanation or for more evidence."
            )
        },
    )
    text = forms.CharField(
        max_length=4000,
        error_messages={"required": gettext_lazy("Write the question for the unit.")},
    )


class SendRoundForm(forms.Form):
    due = forms.DateField(
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": gettext_lazy("Give the date by which the unit answers."),
            "invalid": gettext_lazy("Enter the date as dd/mm/yyyy."),
        },
    )


def _criterion(assessment: Assessment, criterion_id: int) -> Criterion:
    """A criterion of the unit's framework; 404 for any other."""
    return get_object_or_404(Criterion, pk=criterion_id, framework_id=assessment.group.framework_id)


def _back(request: HttpRequest, assessment: Assessment, anchor: str) -> HttpResponse:
    """Back to the unit's page at ``anchor``, keeping the filter the person was using."""
    url = reverse("appraisal:review", args=[assessment.pk])
    show = request.POST.get("show", "")
    if show in FILTERS and show != "all":
        url += f"?show={show}"
    return redirect(f"{url}#{anchor}")


def _form_error(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _corrected_inputs(request: HttpRequest, criterion: Criterion) -> dict[str, Any]:
    """The figures posted as ``inputs.<name>`` for the criterion's rule, typed as the unit's are:
    numbers with a decimal comma or a thousands dot read, yes/no and not applicable as booleans.
    Anything else goes to the action as typed, for the scoring package to refuse."""
    spec = RULES.get(criterion.rule_type, {"inputs": ()})
    figures: dict[str, Any] = {}
    for key in spec["inputs"]:
        raw = request.POST.get(f"inputs.{key}", "").strip()
        if not raw:
            continue
        if key == "yes":
            figures[key] = {"1": True, "0": False}.get(raw, raw)
        else:
            figures[key] = raw
    if request.POST.get("inputs.na"):
        figures["na"] = True
    return normalise(figures)


def _say(request: HttpRequest, level: int, text: str, code: str = "") -> None:
    messages.add_message(request, level, text, extra_tags=f"{CRITERION_TAG}{code}" if code else "")


def _refused(
    request: HttpRequest,
    error: Exception,
    code: str = "",
    figures_of: tuple[Assessment, Criterion] | None = None,
) -> None:
    """Say why an action was refused; problems with a criterion's figures (``figures_of``) name
    each field as the correction form shows it."""
    if isinstance(error, Invalid):
        for problem in error.problems:
            shown = render_problem(problem)
            if figures_of is not None:
                shown["message"] = field_message(problem, *figures_of, _lang())
            _say(request, messages.ERROR, f"{shown['where']}: {shown['message']}", code)
    else:
        _say(request, messages.ERROR, str(error), code)


@login_required
@require_POST
def decide(request: HttpRequest, assessment_id: int, criterion_id: int) -> HttpResponse:
    """Accept, correct the figures or set the score of one criterion."""
    assessment, review, appraising = get_review_for_user(request, assessment_id)
    criterion = _criterion(assessment, criterion_id)
    form = DecideForm(request.POST)
    if not form.is_valid():
        _say(request, messages.ERROR, _form_error(form), criterion.code)
        return _back(request, assessment, f"c-{criterion.code}")
    kind = form.cleaned_data["kind"]
    try:
        decision = actions.decide(
            Actor.from_request(request),
            appraising,
            review,
            criterion,
            kind,
            inputs=_corrected_inputs(request, criterion)
            if kind == Decision.Kind.CORRECTED
            else None,
            points=form.cleaned_data["points"] if kind == Decision.Kind.SCORED else None,
            reason=form.cleaned_data["reason"],
        )
    except (AppraisalError, Invalid) as error:
        _refused(request, error, criterion.code, (assessment, criterion))
    else:
        score = format_points(decision.score, _lang())
        done = {
            Decision.Kind.ACCEPTED: _("%(code)s accepted: %(score)s points."),
            Decision.Kind.CORRECTED: _("%(code)s: figures corrected, appraised score %(score)s."),
            Decision.Kind.SCORED: _("%(code)s: appraised score set to %(score)s."),
        }[Decision.Kind(kind)]
        _say(
            request,
            messages.SUCCESS,
            done % {"code": criterion.code, "score": score},
            criterion.code,
        )
    return _back(request, assessment, f"c-{criterion.code}")


@login_required
@require_POST
def ask(request: HttpRequest, assessment_id: int, criterion_id: int) -> HttpResponse:
    """Ask the unit to explain a criterion or to add evidence; the question waits for a round."""
    assessment, review, appraising = get_review_for_user(request, assessment_id)
    criterion = _criterion(assessment, criterion_id)
    form = AskForm(request.POST)
    if not form.is_valid():
        _say(request, messages.ERROR, _form_error(form), criterion.code)
        return _back(request, assessment, f"c-{criterion.code}")
    try:
        actions.ask(
            Actor.from_request(request),
            appraising,
            review,
            criterion,
            form.cleaned_data["asks"],
            form.cleaned_data["text"],
        )
    except AppraisalError as error:
        _refused(request, error, criterion.code)
    else:
        _say(
            request,
            messages.SUCCESS,
            _("Question on %(code)s written. It reaches the unit when you send the round.")
            % {"code": criterion.code},
            criterion.code,
        )
    return _back(request, assessment, f"c-{criterion.code}")


@login_required
@require_POST
def withdraw(request: HttpRequest, assessment_id: int, message_id: int) -> HttpResponse:
    """Take back a question that was not sent yet."""
    assessment, review, appraising = get_review_for_user(request, assessment_id)
    message = get_object_or_404(
        Message.objects.select_related("criterion"), pk=message_id, review=review
    )
    message.review = review
    code = message.criterion.code
    try:
        actions.withdraw_question(Actor.from_request(request), appraising, message)
    except AppraisalError as error:
        _refused(request, error, code)
    else:
        _say(
            request,
            messages.SUCCESS,
            _("The question on %(code)s was withdrawn.") % {"code": code},
            code,
        )
    return _back(request, assessment, f"c-{code}")


@login_required
@require_POST
def send_round(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Send the waiting questions to the unit as the next round, to answer by a date."""
    assessment, review, appraising = get_review_for_user(request, assessment_id)
    form = SendRoundForm(request.POST)
    if not form.is_valid():
        _say(request, messages.ERROR, _form_error(form))
        return _back(request, assessment, "questions")
    try:
        round_ = actions.send_round(
            Actor.from_request(request), appraising, review, form.cleaned_data["due"]
        )
    except AppraisalError as error:
        _refused(request, error)
    else:
        _say(
            request,
            messages.SUCCESS,
            _("Round %(number)s sent to %(unit)s: it answers by %(date)s.")
            % {
                "number": round_.number,
                "unit": assessment.unit.name,
                "date": round_.due.strftime("%d/%m/%Y"),
            },
        )
    return _back(request, assessment, "questions")


@login_required
@require_POST
def rerun_checks(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Run the automated checks again, on the figures and evidence as they are now."""
    assessment, review, appraising = get_review_for_user(request, assessment_id)
    try:
        review = actions.rerun_checks(Actor.from_request(request), appraising, review)
    except AppraisalError as error:
        _refused(request, error)
    else:
        _say(
            request,
            messages.SUCCESS,
            _("The checks ran again: %(count)s flags.") % {"count": len(review.flags)},
        )
    return _back(request, assessment, "flags")


# ------------------------------------------------------------------ evidence files


@login_required
@require_GET
@xframe_options_sameorigin
def evidence_file(request: HttpRequest, assessment_id: int, evidence_id: int) -> FileResponse:
    """An evidence file of the unit, for its council: PDFs and images inline on request, so the
    review page can preview them in a frame of its own."""
    assessment, _review, _appraising = get_review_for_user(request, assessment_id)
    return serve_file(request, assessment, evidence_id)
