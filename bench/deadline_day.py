"""Deadline day: the real server under the load of the days before the submission deadline, then
a check that every acknowledged write is in the database exactly once; and the same with faults.

    .venv/bin/python bench/deadline_day.py [--seconds 60] [--users 50] [--appraisers 4]
        [--visitors 20] [--think 1.0] [--workers 5] [--threads 1]
        [--fault none|postgres-restart|kill-worker]
        [--database-url postgres://postgres@127.0.0.1:5432/dti_bench] [--keep]

Builds a throw-away DTI: its own PostgreSQL database (dropped and created again; its name must
start with ``dti_bench``), its own data folder in a temporary directory, the built-in frameworks
and the demo (``dti demo``: 25 units, a 2024 period open, 2023 published); then, with DTI's own
actions, more data officers in each unit (``<unit>.canbo2`` …) so that there are ``--users`` of
them, a 2021 period in appraisal whose 25 units have submitted, and ``--appraisers`` appraisers
sharing its units. Starts the server with ``scripts/serve`` — gunicorn, ``DTI_PRODUCTION=1``,
PostgreSQL with ``DTI_DB_CONN_MAX_AGE=60``, sessions and cache in Redis — on a free port of
127.0.0.1, and drives it over HTTP from this process, one thread per person, through the web
pages as a browser does (not the API):

- data officers sign in through the sign-in form and open their unit's 2024 assessment, then save
  answers through the JSON endpoint of the form's script, each officer on their own half of the
  criteria, upload 1 MB PDFs through the evidence form, and reopen the assessment and evidence
  pages, with ``--think`` seconds (± 50 %) between actions;
- appraisers open their workspace and a unit's appraisal page and decide on criteria (the page
  is read again after each decision, as the browser follows the redirect);
- public visitors read the published 2023 ranking and units' pages;
- one thread fetches a static file (whitenoise) every 0.2 s: the baseline under the same load.

Before the load, one person of each kind does each thing 5 times alone: the unloaded figures. It
prints p50/p95/p99 per kind of request, throughput and errors, each kind's p50 against the static
file's under the same load and its own unloaded p50, and passes or fails the targets: p95 under
300 ms for writes (answers, uploads, decisions) and 150 ms for pages, no error. Then it checks in
the database that every acknowledged write is there exactly once: each acknowledged answer save,
upload and decision has one audit record; each answer stands at the version, figures and note of
its last acknowledged save (or of a later attempt whose answer was lost); its version is the
number of its audit records; each acknowledged file is one row, with its file intact on disk; no
file without a row, no row without its file, no temporary upload file left.

Faults (``--fault``), injected at 40 % of the run, under the same load:

- ``postgres-restart`` restarts the PostgreSQL cluster (``pg_ctlcluster … restart``). Requests
  during the restart may fail (counted); afterwards the same workers must serve again, and the
  checks above must hold (no half-written record).
- ``kill-worker`` SIGKILLs gunicorn workers during uploads: (a) one receiving a 5 MB upload, which
  is spooled to a temporary file (over Django's 2.5 MB in memory), (b) one receiving a 1 MB
  upload (kept in memory), (c) one whose 1 MB upload is inside its transaction, the file stored,
  the row waiting to be inserted (the bench holds a lock on the evidence table to catch it
  there), (d) two at random. Then no evidence row without its file, no file without its row, no
  temporary file left behind (``TMPDIR`` of the server is the bench's own folder).

Everything is removed at the end (server stopped, database dropped, Redis keys deleted, temporary
directory removed) unless ``--keep``.
"""

from __future__ import annotations

import abc
import argparse
import hashlib
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "dti-demo-2024"  # noqa: S105 - the demo's documented password (DEMO_PASSWORD)
WRITE_TARGET_MS = 300
PAGE_TARGET_MS = 150
#: Kinds of request, in the order printed; writes and pages have targets.
WRITES = ("save answer", "upload 1 MB PDF", "decide")
PAGES = (
    "assessment page",
    "evidence page",
    "workspace",
    "appraisal page",
    "public index",
    "public ranking",
    "public unit page",
)
BASELINE = "static file"
KINDS = (*WRITES, *PAGES, BASELINE)
#: Officers' actions and their weights.
OFFICER_MIX = {"save": 75, "assessment page": 10, "upload": 7, "evidence page": 8}
UNLOADED_REPEAT = 5
STATIC_EVERY = 0.2
REQUEST_TIMEOUT = 30


# ---------------------------------------------------------------- recording


@dataclass
class Sample:
    kind: str
    start: float  # seconds since the load began
    ms: float
    error: str  # "" when the answer was the one expected


class Recorder:
    """Every request's kind, start, duration and error; appended to from many threads."""

    def __init__(self, origin: float) -> None:
        self.origin = origin
        self.samples: list[Sample] = []

    def add(self, kind: str, started: float, error: str = "") -> None:
        now = time.perf_counter()
        self.samples.append(Sample(kind, started - self.origin, (now - started) * 1000, error))

    def refuse(self, kind: str, started: float, error: str) -> None:
        """A request answered as expected whose page then said the write was refused."""
        self.samples.append(Sample(kind, started - self.origin, math.nan, error))


@dataclass
class Write:
    """One write sent: acknowledged (``ack``) or not known (the answer was lost: ``unknown``)."""

    what: str  # "answer", "evidence", "decision"
    outcome: str
    key: tuple[int, int]  # (assessment, criterion) for answers and decisions; (assessment, 0)
    token: str  # the note, the sha256, the reason: unique to this write
    version: int = 0
    inputs: dict[str, Any] = field(default_factory=dict)
    evidence_id: int = 0
    size: int = 0
    at: float = 0.0


class Ledger:
    def __init__(self) -> None:
        self.writes: list[Write] = []
        self.refusals: list[str] = []

    def add(self, write: Write) -> None:
        write.at = time.perf_counter()
        self.writes.append(write)

    def of(self, what: str, outcome: str | None = None) -> list[Write]:
        return [
            w for w in self.writes if w.what == what and (outcome is None or w.outcome == outcome)
        ]


class Browser:
    """One person's browser: a session with its cookies, timing every request it makes."""

    def __init__(self, base: str, recorder: Recorder) -> None:
        self.base = base
        self.recorder = recorder
        self.session = requests.Session()

    def csrf(self) -> str:
        return self.session.cookies.get("csrftoken", "") or ""

    def request(
        self, kind: str, method: str, path: str, expect: Iterable[int] = (200,), **kwargs: Any
    ) -> requests.Response | None:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.base + path, **kwargs)
        except requests.RequestException as failure:
            self.recorder.add(kind, started, type(failure).__name__)
            return None
        ok = response.status_code in tuple(expect)
        self.recorder.add(kind, started, "" if ok else f"HTTP {response.status_code}")
        return response

    def sign_in(self, username: str) -> None:
        page = self.request("sign in", "GET", "/accounts/sign-in/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text if page else "")
        answer = self.request(
            "sign in",
            "POST",
            "/accounts/sign-in/",
            (302,),
            data={
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": username,
                "password": PASSWORD,
                "next": "",
            },
        )
        if answer is None or answer.status_code != 302:
            raise SystemExit(f"could not sign in as {username}")


# ---------------------------------------------------------------- what people send


@dataclass(frozen=True)
class Crit:
    pk: int
    code: str
    rule: str
    params: dict[str, Any]
    most: float


def inputs_for(crit: Crit, rng: random.Random) -> dict[str, Any]:
    """Figures as the form's script sends them: numbers as typed text, yes/no as booleans."""
    params = crit.params
    if crit.rule == "yesno":
        return {"yes": rng.random() < 0.7}
    if crit.rule == "ratio" or (crit.rule == "bands" and params.get("input") == "ratio"):
        denominator = rng.randint(5, 40)
        return {"numerator": str(rng.randint(0, denominator)), "denominator": str(denominator)}
    if crit.rule == "bands":
        return {"value": rng.choice([b["min"] for b in params["bands"]] + ["0"])}
    if crit.rule == "count":
        return {"count": str(rng.randint(0, int(float(params.get("target") or 5))))}
    if crit.rule == "choice":
        return {"choice": rng.choice([o["key"] for o in params["options"]])}
    return {"score": str(rng.randint(0, int(crit.most)))}  # manual


def make_pdf(rng: random.Random) -> bytes:
    """A valid one-page PDF of a little over 1 MB: a 600 × 583 picture of random pixels, so that
    every file has its own SHA-256."""
    width, height = 600, 583
    pixels = rng.randbytes(width * height * 3)
    content = b"q 560 0 0 544 18 150 cm /Im1 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n%b\nendstream"
        % (width, height, len(pixels), pixels),
        b"<< /Length %d >>\nstream\n%b\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def multipart(fields: list[tuple[str, str]], name: str, data: bytes) -> tuple[str, bytes]:
    """A multipart/form-data body with the file last, as a browser sends it."""
    boundary = f"----dti{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def is_json(response: requests.Response) -> bool:
    return response.headers.get("Content-Type", "").startswith("application/json")


def during(sample: Sample, windows: list[tuple[float, float]]) -> bool:
    """Was the request under way at some time of a fault?"""
    end = sample.start + (0 if math.isnan(sample.ms) else sample.ms / 1000)
    return any(sample.start <= b and end >= a for a, b in windows)


# ---------------------------------------------------------------- people


class Person(abc.ABC):
    def __init__(self, browser: Browser, username: str, ledger: Ledger, seed: int) -> None:
        self.browser = browser
        self.username = username
        self.ledger = ledger
        self.rng = random.Random(seed)
        self.sequence = 0

    def token(self) -> str:
        self.sequence += 1
        return f"dd {self.username} #{self.sequence}"

    def run(self, until: float, think: float) -> None:
        while time.perf_counter() < until:
            self.step()
            time.sleep(think * self.rng.uniform(0.5, 1.5))

    @abc.abstractmethod
    def step(self) -> None:
        """One action of this kind of person (an officer saves, an appraiser decides …)."""


class Officer(Person):
    """A data officer of a unit, on their share of its criteria."""

    def __init__(self, *args: Any, unit: int, period: int, criteria: list[Crit]) -> None:
        super().__init__(*args)
        self.unit, self.period, self.criteria = unit, period, criteria
        self.assessment = 0
        self.versions: dict[int, int] = {}
        self.unsure: set[int] = set()  # criteria whose last save's answer was lost

    def open(self) -> None:
        """The unit's assessment, started on the first visit; the versions from its page."""
        b = self.browser
        answer = b.request("open", "GET", f"/assessments/open/{self.period}/{self.unit}/", (302,))
        match = re.search(
            r"/assessments/(\d+)/", answer.headers.get("Location", "") if answer else ""
        )
        if match is None:
            raise SystemExit(f"{self.username} could not open the assessment")
        self.assessment = int(match.group(1))
        page = self.page()
        for pk, version in re.findall(
            r'data-criterion="(\d+)" data-code="[^"]*" data-version="(\d+)"',
            page.text if page else "",
        ):
            self.versions[int(pk)] = int(version)

    def page(self) -> requests.Response | None:
        return self.browser.request("assessment page", "GET", f"/assessments/{self.assessment}/")

    def evidence_page(self) -> None:
        self.browser.request("evidence page", "GET", f"/assessments/{self.assessment}/evidence/")

    def save(self) -> None:
        crit = self.rng.choice(self.criteria)
        note = self.token()
        key = (self.assessment, crit.pk)
        body = {
            "inputs": inputs_for(crit, self.rng),
            "note": note,
            "version": self.versions.get(crit.pk, 0),
        }
        answer = self.browser.request(
            "save answer",
            "POST",
            f"/assessments/{self.assessment}/answers/{crit.pk}/",
            (200, 409) if crit.pk in self.unsure else (200,),
            data=json.dumps(body),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": self.browser.csrf(),
            },
        )
        refused = answer is not None and answer.status_code in (400, 403) and is_json(answer)
        if answer is None or (answer.status_code not in (200, 409) and not refused):
            # No answer, a server error, or a page that is not the endpoint's (a session that
            # could not be saved is a 400 from Django): the save may have been made or not.
            self.unsure.add(crit.pk)
            self.ledger.add(Write("answer", "unknown", key, note))
        elif answer.status_code == 200:
            data = answer.json()
            self.versions[crit.pk] = data["version"]
            self.unsure.discard(crit.pk)
            self.ledger.add(
                Write("answer", "ack", key, note, version=data["version"], inputs=data["inputs"])
            )
        elif answer.status_code == 409:
            # As the form's script does: take the version saved, and type again on top of it.
            self.versions[crit.pk] = answer.json()["current"]["version"]
        else:
            self.ledger.refusals.append(f"save answer {answer.status_code}: {answer.text[:200]}")

    def upload(self) -> None:
        data = make_pdf(self.rng)
        sha = hashlib.sha256(data).hexdigest()
        chosen = self.rng.sample(self.criteria, 2)
        answer = self.browser.request(
            "upload 1 MB PDF",
            "POST",
            f"/assessments/{self.assessment}/evidence/",
            (302,),
            data={
                "csrfmiddlewaretoken": self.browser.csrf(),
                "kind": "file",
                "summary": self.token(),
                "criteria": [str(c.pk) for c in chosen],
            },
            files={"files": (f"bao-cao-{self.sequence}.pdf", data, "application/pdf")},
        )
        key = (self.assessment, 0)
        match = re.search(r"#evidence-(\d+)$", answer.headers.get("Location", "") if answer else "")
        if (
            answer is not None
            and answer.status_code in (400, 403)
            and 'id="add-file"' in answer.text
        ):
            self.ledger.refusals.append(f"upload {answer.status_code}: {answer.text[:200]}")
            return
        if answer is None or answer.status_code != 302 or match is None:
            self.ledger.add(Write("evidence", "unknown", key, sha, size=len(data)))
            return
        self.ledger.add(
            Write("evidence", "ack", key, sha, evidence_id=int(match.group(1)), size=len(data))
        )
        self.evidence_page()  # the browser follows the redirect

    def step(self) -> None:
        action = self.rng.choices(list(OFFICER_MIX), weights=list(OFFICER_MIX.values()))[0]
        if action == "save":
            self.save()
        elif action == "upload":
            self.upload()
        elif action == "assessment page":
            self.page()
        else:
            self.evidence_page()


class Appraiser(Person):
    """An appraiser of the council, working through the units they were given."""

    def __init__(self, *args: Any, units: list[tuple[int, list[Crit]]]) -> None:
        super().__init__(*args)
        self.units = units
        self.turn = 0

    def workspace(self) -> None:
        self.browser.request("workspace", "GET", "/appraisal/")

    def review(self) -> None:
        assessment, _criteria = self.units[self.turn % len(self.units)]
        self.browser.request("appraisal page", "GET", f"/appraisal/review/{assessment}/")

    def decide(self) -> None:
        assessment, criteria = self.units[self.turn % len(self.units)]
        crit = self.rng.choice(criteria)
        reason = self.token()
        scored = self.sequence % 2 == 0
        key = (assessment, crit.pk)
        b = self.browser
        started = time.perf_counter()
        answer = b.request(
            "decide",
            "POST",
            f"/appraisal/review/{assessment}/decide/{crit.pk}/",
            (302,),
            data={
                "csrfmiddlewaretoken": b.csrf(),
                "kind": "scored" if scored else "accepted",
                "points": str(self.rng.randint(0, int(crit.most))) if scored else "",
                "reason": reason,
            },
        )
        if answer is None or answer.status_code != 302:  # it redirects, refused or not
            self.ledger.add(Write("decision", "unknown", key, reason))
            return
        # The redirect shows the decision's message next to the criterion: that is the answer.
        page = b.request("appraisal page", "GET", urlsplit(answer.headers["Location"]).path)
        if page is None or page.status_code != 200:
            self.ledger.add(Write("decision", "unknown", key, reason))
        elif 'class="msg-success"' in page.text:
            self.ledger.add(Write("decision", "ack", key, reason))
        else:
            said = re.search(r'class="msg-error"[^>]*>([^<]*)<', page.text)
            self.ledger.refusals.append(f"decide refused: {said.group(1) if said else '?'}")
            b.recorder.refuse("decide", started, "refused")

    def step(self) -> None:
        move = self.sequence % 6
        if move == 0:
            self.turn += 1
            self.workspace()
            self.sequence += 1
        elif move == 1:
            self.review()
            self.sequence += 1
        else:
            self.decide()


class Visitor(Person):
    """Someone reading the published ranking, signed in as nobody."""

    def __init__(self, *args: Any, period: int, units: list[int]) -> None:
        super().__init__(*args)
        self.period, self.units = period, units

    def step(self) -> None:
        b = self.browser
        move = self.rng.choices(["index", "ranking", "unit"], weights=[1, 2, 3])[0]
        if move == "index":
            b.request("public index", "GET", "/public/")
        elif move == "ranking":
            b.request("public ranking", "GET", f"/public/{self.period}/")
        else:
            unit = self.rng.choice(self.units)
            b.request("public unit page", "GET", f"/public/{self.period}/unit/{unit}/")


# ---------------------------------------------------------------- the data


@dataclass
class Plan:
    period_open: int
    period_published: int
    period_appraisal: int
    officers: list[tuple[str, int, list[Crit]]]
    appraisers: list[tuple[str, list[tuple[int, list[Crit]]]]]
    public_units: list[int]
    per_unit: int


def setup_django(database_url: str, var_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "dti.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DTI_VAR_DIR"] = str(var_dir)
    for name in ("DTI_PRODUCTION", "DTI_REDIS_URL", "DTI_MEDIA_ROOT", "DTI_S3_BUCKET"):
        os.environ.pop(name, None)
    import django

    django.setup()


def crit_of(criterion: Any) -> Crit:
    return Crit(
        criterion.pk,
        criterion.code,
        criterion.rule_type,
        criterion.rule_params or {},
        float(criterion.effective_max),
    )


def build(users: int, appraisers: int) -> Plan:
    """The demo, then with DTI's own actions: enough data officers, a period in appraisal whose
    units submitted, and appraisers sharing them."""
    import datetime

    from django.core.management import call_command

    from dti.accounts.access import Access
    from dti.accounts.actions import create_user, grant_role, update_user
    from dti.accounts.models import Role, User
    from dti.appraisal.actions import assign_appraiser
    from dti.assessments import actions as assessment_actions
    from dti.assessments.models import Assessment
    from dti.audit.trail import Actor
    from dti.frameworks.models import Criterion
    from dti.periods import actions as period_actions
    from dti.periods.models import Period, PeriodUnit
    from dti.web.demo import _demo_documents, _plausible, load_demo
    from dti.web.management.commands.demo import load_builtin_frameworks

    call_command("migrate", verbosity=0)
    actor = Actor(None, "bench", "bench/deadline_day.py")
    load_builtin_frameworks(actor)
    load_demo(actor)
    period = Period.objects.get(year=2024)
    published = Period.objects.get(year=2023)
    memberships = list(
        PeriodUnit.objects.filter(period=period)
        .select_related("unit", "group__framework")
        .order_by("group__number", "unit__position")
    )
    leaves: dict[int, list[Crit]] = {}
    for membership in memberships:
        framework = membership.group.framework_id
        if framework not in leaves:
            leaves[framework] = [
                crit_of(c)
                for c in Criterion.objects.filter(framework_id=framework)
                .exclude(rule_type="")
                .order_by("position")
            ]

    # Data officers: the demo's one per unit, and more with DTI's own account actions.
    per_unit = max(1, math.ceil(users / len(memberships)))
    officers: list[tuple[str, int, list[Crit]]] = []
    for k in range(per_unit):
        for membership in memberships:
            if len(officers) == users:
                break
            unit = membership.unit
            if k == 0:  # the demo's (stp.canbo for Sở Tư pháp, <code>.canbo for the others)
                role = Role.objects.filter(kind=Role.Kind.DATA_OFFICER, unit=unit).first()
                assert role is not None  # the demo gives every unit one
                username = role.user.username
            else:
                username = f"{unit.code}.canbo{k + 1}"
                user, _password = create_user(
                    actor,
                    username,
                    f"Cán bộ {k + 1} {unit.name}",
                    email=f"{username}@demo.dti.local",
                    password=PASSWORD,
                )
                update_user(actor, user, must_change_password=False)
                grant_role(actor, user, Role.Kind.DATA_OFFICER, unit=unit)
            # Their share of the criteria (those whose ratio takes its denominator from the
            # general information are left out: nobody fills that in here).
            own = [
                c
                for c in leaves[membership.group.framework_id]
                if not c.params.get("denominator_field")
            ][k::per_unit]
            officers.append((username, unit.pk, own))

    # A period in appraisal: every unit filled in and submitted (as the demo's past years).
    appraisal = period_actions.create_period(
        actor,
        year=2021,
        name="Đánh giá chỉ số DTI năm 2021",
        data_start=datetime.date(2020, 10, 1),
        data_end=datetime.date(2021, 9, 30),
        submission_deadline=datetime.date(2021, 10, 10),
        appraisal_deadline=datetime.date(2021, 10, 25),
        explanation_deadline=datetime.date(2021, 11, 5),
        final_deadline=datetime.date(2021, 11, 15),
        publication_date=datetime.date(2021, 11, 30),
    )
    groups = {}
    for membership in memberships:
        groups.setdefault(membership.group, []).append(membership.unit)
    made = {
        group.number: period_actions.set_group(
            actor, appraisal, group.number, group.name, group.framework, units
        )
        for group, units in groups.items()
    }
    appraisal = period_actions.move_period(actor, appraisal, Period.Status.OPEN, reason="bench")
    during = datetime.datetime(2021, 10, 5, 9, 0, tzinfo=datetime.UTC)
    submitted: list[tuple[Any, Assessment]] = []
    for membership in memberships:
        group = made[membership.group.number]
        assessment = Assessment.objects.create(period=appraisal, unit=membership.unit, group=group)
        leader = Role.objects.get(kind=Role.Kind.LEADER, unit=membership.unit)
        access = Access(leader.user, [leader])
        signer = Actor(leader.user, leader.user.username, "bench")
        general, answers = _plausible(group, membership.unit, 2021)
        assessment_actions.apply_workbook(signer, access, assessment, general, answers, during)
        _demo_documents(signer, access, assessment, during, 2021)
        assessment_actions.submit_assessment(signer, access, assessment, during)
        submitted.append((membership, assessment))
    appraisal = period_actions.move_period(
        actor, appraisal, Period.Status.APPRAISAL, reason="bench"
    )
    # The chair (thamdinh1) and appraisers thamdinh2 …: each their own units, so that no two of
    # them decide on the same criterion.
    names = [f"thamdinh{n}" for n in range(1, appraisers + 1)]
    for name in names[2:]:
        user, _password = create_user(actor, name, f"Thẩm định viên {name[8:]}", password=PASSWORD)
        update_user(actor, user, must_change_password=False)
        grant_role(actor, user, Role.Kind.APPRAISER)
    shares: dict[str, list[tuple[int, list[Crit]]]] = {name: [] for name in names}
    for index, (membership, assessment) in enumerate(submitted):
        name = names[index % len(names)]
        if name != "thamdinh1":
            assign_appraiser(actor, appraisal, User.objects.get(username=name), membership.unit)
        shares[name].append((assessment.pk, leaves[membership.group.framework_id]))
    public_units = list(published.results.values_list("unit_id", flat=True))
    return Plan(
        period.pk,
        published.pk,
        appraisal.pk,
        officers,
        list(shares.items()),
        public_units,
        per_unit,
    )


# ---------------------------------------------------------------- the server and its processes


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers, for its master)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return sorted(found)


def cpu_seconds(pids: Iterable[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def peak_resident_mb(pid: int) -> float | None:
    """The most memory the process has held resident (VmHWM of /proc), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def named(command: str) -> list[int]:
    """The processes whose command is ``command`` (PostgreSQL's server processes)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == command:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def machine_busy() -> tuple[float, float]:
    """Busy and total CPU time of the machine so far, in clock ticks."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def tcp_sockets() -> dict[int, tuple[int, int]]:
    """Every TCP socket of the machine: inode → (local port, remote port)."""
    table = {}
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, remote, inode = parts[1], parts[2], int(parts[9])
            table[inode] = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16))
    return table


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    except OSError:
        pass
    return inodes


def open_under(pid: int, folder: Path) -> list[str]:
    """The files under ``folder`` that a process has open, as /proc names them ("… (deleted)"
    for a file without a name)."""
    found = []
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            # gunicorn's own heartbeat file (wgunicorn-…, unlinked at once) is not an upload
            if target.startswith(str(folder) + "/") and "/wgunicorn-" not in target:
                found.append(target)
    except OSError:
        pass
    return found


def worker_with(master: int, local: int, remote: int) -> int | None:
    """The worker holding the TCP connection from port ``local`` to port ``remote``."""
    wanted = {inode for inode, ports in tcp_sockets().items() if ports == (local, remote)}
    for pid in children(master):
        if socket_inodes(pid) & wanted:
            return pid
    return None


def db_ports_of(pid: int, db_port: int) -> list[int]:
    """The local ports of a worker's connections to PostgreSQL."""
    table = tcp_sockets()
    return [table[i][0] for i in socket_inodes(pid) if i in table and table[i][1] == db_port]


class Server:
    """``scripts/serve`` — gunicorn — in its own session, its output in a log file."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.base = f"http://127.0.0.1:{port}"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "serve")],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"scripts/serve stopped:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(self.base + "/accounts/sign-in/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        else:
            raise SystemExit("the server did not answer within 2 minutes")
        self.master = self.process.pid  # scripts/serve execs gunicorn

    def workers(self) -> list[int]:
        return children(self.master)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.master, signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                os.kill(self.master, signal.SIGKILL)
                self.process.wait()

    def tracebacks(self) -> list[str]:
        text = self.log.read_text(errors="replace")
        pattern = r"Traceback \(most recent call last\):\n(?:[ \t].*\n)*.*"
        return [m.group(0)[-1500:] for m in re.finditer(pattern, text)]


# ---------------------------------------------------------------- faults


@dataclass
class Event:
    at: float  # seconds since the load began
    text: str


class Faults:
    """Injects one kind of fault at a given time of the run, and says what happened."""

    def __init__(self, kind: str, server: Server, context: dict[str, Any]) -> None:
        self.kind = kind
        self.server = server
        self.context = context
        self.events: list[Event] = []
        self.windows: list[tuple[float, float]] = []  # when failures are expected
        self.killed: list[int] = []
        self.problems: list[str] = []

    def say(self, text: str) -> None:
        self.events.append(Event(self.now(), text))

    def run(self, at: float) -> None:
        time.sleep(max(0.0, at - time.perf_counter()))
        try:
            if self.kind == "postgres-restart":
                self.restart_postgres()
            elif self.kind == "kill-worker":
                self.kill_workers()
        except Exception as failure:  # the report says so; the load goes on
            self.problems.append(f"the fault could not be injected: {failure!r}")

    def now(self) -> float:
        return time.perf_counter() - self.context["origin"]

    # -- PostgreSQL

    def restart_postgres(self) -> None:
        cluster = self.context["cluster"]
        start = self.now()
        self.say(f"pg_ctlcluster {' '.join(cluster)} restart")
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "restart"],
            check=True,
            capture_output=True,
        )
        end = self.now()
        self.say(f"PostgreSQL accepts connections again ({end - start:.1f} s)")
        self.windows.append((start, end + 1.0))

    # -- workers

    def kill(self, pid: int, why: str) -> None:
        os.kill(pid, signal.SIGKILL)
        self.killed.append(pid)
        self.say(f"SIGKILL worker {pid}: {why}")

    def kill_workers(self) -> None:
        start = self.now()
        self.kill_receiving(5 * 1024 * 1024, spooled=True)
        time.sleep(1.0)
        self.kill_receiving(1024 * 1024, spooled=False)
        time.sleep(1.0)
        self.kill_in_transaction()
        for _ in range(2):
            time.sleep(2.0)
            workers = self.server.workers()
            self.kill(random.choice(workers), "at random, under load")
        self.windows.append((start, self.now() + 1.0))

    def _officer(self) -> tuple[Browser, int, list[Crit]]:
        officer: Officer = self.context["fault_officer"]
        return officer.browser, officer.assessment, officer.criteria

    def _upload_request(self, size: int, rng: random.Random) -> tuple[dict[str, str], bytes, str]:
        browser, assessment, criteria = self._officer()
        data = make_pdf(rng)
        if size > len(data):  # a larger PDF: the same picture, padded after %%EOF
            data += b"\n%" + rng.randbytes(size - len(data))
        content_type, body = multipart(
            [
                ("csrfmiddlewaretoken", browser.csrf()),
                ("kind", "file"),
                ("summary", f"fault {uuid.uuid4().hex[:8]}"),
                ("criteria", str(criteria[0].pk)),
            ],
            "bao-cao-lon.pdf",
            data,
        )
        cookies = "; ".join(f"{c.name}={c.value}" for c in browser.session.cookies)
        headers = {
            "Host": f"127.0.0.1:{self.server.port}",
            "Cookie": cookies,
            "Content-Type": content_type,
            "Content-Length": str(len(body)),
            "X-CSRFToken": browser.csrf(),
        }
        self.context["ledger"].add(
            Write(
                "evidence",
                "unknown",
                (assessment, 0),
                hashlib.sha256(data).hexdigest(),
                size=len(data),
            )
        )
        return headers, body, f"/assessments/{assessment}/evidence/"

    def kill_receiving(self, size: int, spooled: bool) -> None:
        """Send an upload's first 60 %, kill the worker reading it, then look for leftovers."""
        tmp: Path = self.context["tmp"]
        headers, body, path = self._upload_request(size, random.Random(size))
        sock = socket.create_connection(("127.0.0.1", self.server.port))
        mine = sock.getsockname()[1]
        head = f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(head.encode() + b"\r\n" + body[: len(body) * 6 // 10])
        deadline = time.monotonic() + 15
        pid = None
        while time.monotonic() < deadline:
            pid = worker_with(self.server.master, self.server.port, mine)
            spool = open_under(pid, tmp) if pid else []
            if pid is not None and (not spooled or spool):
                break
            time.sleep(0.05)
        else:
            self.problems.append(f"no worker was seen receiving the {size // 2**20} MB upload")
            sock.close()
            return
        if not spooled:
            time.sleep(0.3)  # let it read what was sent
            spool = open_under(pid, tmp)
        where = (
            f"spooled to {', '.join(f.removeprefix(str(tmp) + '/') for f in spool)} in TMPDIR"
            if spool
            else "kept in memory"
        )
        self.kill(pid, f"receiving a {size / 2**20:.0f} MB upload ({where})")
        try:
            sock.settimeout(5)
            said = sock.recv(100)
        except OSError as failure:
            said = repr(failure).encode()
        sock.close()
        self.say(f"the client saw: {said[:60]!r}")

    def kill_in_transaction(self) -> None:
        """A 1 MB upload whose file is stored and whose row waits for a lock: kill its worker."""
        dsn, db_port = self.context["dsn"], self.context["db_port"]
        media: Path = self.context["media"]
        before = {p for p in media.rglob("*") if p.is_file()}
        headers, body, path = self._upload_request(0, random.Random(3))
        with (
            psycopg.connect(dsn) as holder,
            psycopg.connect(dsn, autocommit=True) as watcher,
        ):
            holder.execute("LOCK TABLE assessments_evidence IN SHARE ROW EXCLUSIVE MODE")
            connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
            connection.connect()
            mine = connection.sock.getsockname()[1]
            outcome: list[str] = []

            def send() -> None:
                try:
                    connection.request("POST", path, body, headers)
                    outcome.append(f"HTTP {connection.getresponse().status}")
                except (OSError, http.client.HTTPException) as failure:
                    outcome.append(type(failure).__name__)

            thread = threading.Thread(target=send)
            thread.start()
            deadline = time.monotonic() + 15
            pid = None
            while time.monotonic() < deadline:
                pid = worker_with(self.server.master, self.server.port, mine)
                ports = db_ports_of(pid, db_port) if pid else []
                waiting = (
                    watcher.execute(
                        "SELECT 1 FROM pg_stat_activity WHERE client_port = ANY(%s) "
                        "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO \"assessments_evidence\"%%'",
                        (ports,),
                    ).fetchone()
                    if ports
                    else None
                )
                if waiting:
                    break
                time.sleep(0.02)
            else:
                holder.rollback()
                self.problems.append("the upload was not seen waiting to insert its row")
                thread.join()
                return
            stored = {p for p in media.rglob("*") if p.is_file()} - before
            self.kill(
                pid,
                "its 1 MB upload inside its transaction, the row waiting to be inserted; files "
                f"stored meanwhile: {len(stored)}",
            )
            time.sleep(0.2)
            holder.rollback()
        thread.join()
        self.say(f"the client saw: {outcome[0] if outcome else '?'}")

    def report(
        self,
        load: Recorder,
        elapsed: float,
        before: list[int],
        after: list[int],
        workers: int,
    ) -> list[str]:
        """Print what happened, the failures during the fault and the service after it; return
        what failed."""
        failures = list(self.problems)
        print()
        print(f"Fault: {self.kind}")
        for event in self.events:
            print(f"  {event.at:6.1f} s  {event.text}")
        for problem in self.problems:
            print(f"  PROBLEM: {problem}")
        hit = [s for s in load.samples if s.error and during(s, self.windows)]
        kinds = Counter((s.kind, s.error) for s in hit)
        per_second = Counter(int(s.start) for s in hit)
        print(
            f"  requests failed during the fault: {len(hit)}"
            + (" (" + ", ".join(f"{k} {e} × {n}" for (k, e), n in kinds.most_common()) + ")")
            * bool(hit)
            + ("; at " + ", ".join(f"{t} s: {n}" for t, n in sorted(per_second.items())))
            * bool(hit)
        )
        end = max((b for _a, b in self.windows), default=elapsed)
        later = [s for s in load.samples if s.start > end and not math.isnan(s.ms)]
        failed = [s for s in later if s.error]
        writes = [s for s in later if not s.error and s.kind in WRITES]
        served = bool(later) and not failed and bool(writes)
        print(
            f"  after it ({end:.1f} s to the end of the run): {len(later)} requests, "
            f"{len(failed)} failed, {len(writes)} writes acknowledged: "
            f"{'PASS' if served else 'FAIL'}"
        )
        if not served:
            failures.append("the application did not serve normally after the fault")
        alive = self.server.process.poll() is None
        state = "still running" if alive else "STOPPED"
        if self.kind == "postgres-restart":
            same = set(before) == set(after)
            print(
                f"  gunicorn master {self.server.master} {state}, never restarted; its "
                + (
                    f"{len(after)} workers the same processes throughout"
                    if same
                    else f"workers changed: {before} → {after}"
                )
            )
        else:
            print(
                f"  gunicorn master {self.server.master} {state}; {len(self.killed)} workers "
                f"killed, {len(after)} running at the end (respawned by the master)"
            )
            if len(after) != workers:
                failures.append("gunicorn did not respawn its workers")
        if not alive:
            failures.append("gunicorn stopped")
        return failures


# ---------------------------------------------------------------- figures


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def report(
    load: Recorder,
    unloaded: Recorder,
    seconds: float,
    windows: list[tuple[float, float]],
) -> list[str]:
    """Print the table; return the targets missed."""
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in load.samples:
        if sample.start >= 0:  # not the warm-up
            by_kind[sample.kind].append(sample)
    alone: dict[str, list[float]] = defaultdict(list)
    for sample in unloaded.samples:
        if not sample.error and not math.isnan(sample.ms):
            alone[sample.kind].append(sample.ms)

    def outside(sample: Sample) -> bool:
        return not during(sample, windows)

    def fine(kind: str) -> list[float]:
        return [s.ms for s in by_kind[kind] if not s.error and not math.isnan(s.ms)]

    static = statistics.median(fine(BASELINE)) if fine(BASELINE) else math.nan
    print(
        f"{'kind of request':18} {'n':>6} {'req/s':>6} {'errors':>6} {'p50':>8} {'p95':>8} "
        f"{'p99':>8} {'max':>8} {'target':>7} {'× static':>9} {'alone p50':>10}"
    )
    missed: list[str] = []
    total = errors = 0
    for kind in KINDS:
        samples = by_kind.get(kind, [])
        if not samples:
            continue
        times = fine(kind)
        failed = [s for s in samples if s.error and outside(s)]
        counted = [s for s in samples if not math.isnan(s.ms)]
        total += len(counted)
        errors += len(failed)
        target = WRITE_TARGET_MS if kind in WRITES else PAGE_TARGET_MS if kind in PAGES else None
        p95 = pct(times, 0.95) if times else math.nan
        if target is not None and not p95 < target:
            missed.append(f"{kind}: p95 {p95:.0f} ms ≥ {target} ms")
        alone_p50 = statistics.median(alone[kind]) if alone.get(kind) else math.nan
        print(
            f"{kind:18} {len(counted):6d} {len(counted) / seconds:6.1f} {len(failed):6d} "
            f"{statistics.median(times) if times else math.nan:6.1f}ms {p95:6.1f}ms "
            f"{pct(times, 0.99) if times else math.nan:6.1f}ms "
            f"{max(times) if times else math.nan:6.1f}ms "
            f"{'<' + str(target) if target else '':>7} "
            f"{(statistics.median(times) / static) if times else math.nan:8.1f}× "
            f"{alone_p50:8.1f}ms"
        )
    print(f"{'all':18} {total:6d} {total / seconds:6.1f} {errors:6d}")
    reasons = Counter(
        (s.kind, s.error) for s in load.samples if s.error and s.start >= 0 and outside(s)
    )
    if reasons:
        print("errors: " + "; ".join(f"{k} {e} × {n}" for (k, e), n in reasons.most_common()))
        missed.append(f"{sum(reasons.values())} errors outside the fault")
    return missed


# ---------------------------------------------------------------- the checks


def check_writes(
    ledger: Ledger, plan: Plan, media: Path, tmp: Path, env: dict[str, str]
) -> list[str]:
    """Every acknowledged write in the database exactly once; nothing half-written."""
    from django.db import connections

    from dti.appraisal.models import Decision
    from dti.assessments.models import Answer, Evidence
    from dti.audit.models import AuditRecord

    connections.close_all()  # the bench's own connection may predate a PostgreSQL restart
    failures: list[str] = []

    # Answers: one audit record per version; the last acknowledged save (or a later lost one)
    # is what stands.
    answers = {
        (a.assessment_id, a.criterion_id): a
        for a in Answer.objects.filter(assessment__period_id=plan.period_open)
    }
    audit = defaultdict(list)
    for object_id, after in AuditRecord.objects.filter(
        action="answer.save", object_type="assessments.answer"
    ).values_list("object_id", "after"):
        audit[int(object_id)].append((after or {}).get("note", ""))
    notes = Counter(note for records in audit.values() for note in records)
    acked = ledger.of("answer", "ack")
    unknown = ledger.of("answer", "unknown")
    bad_once = [w.token for w in acked if notes[w.token] != 1]
    doubled = [w.token for w in unknown if notes[w.token] > 1]
    sent = {w.token for w in ledger.of("answer")}
    phantom = [n for n in notes if n.startswith("dd ") and n not in sent]
    drifted = [
        f"{key}: version {a.version}, {len(audit[a.pk])} audit records"
        for key, a in answers.items()
        if a.version != len(audit[a.pk])
    ]
    last: dict[tuple[int, int], Write] = {}
    for w in sorted(acked, key=lambda w: w.at):
        last[w.key] = w
    wrong = []
    for key, w in last.items():
        answer = answers.get(key)
        later = {u.token for u in unknown if u.key == key and u.at > w.at}
        if answer is None:
            wrong.append(f"{key}: no answer")
        elif answer.version == w.version:
            if answer.note != w.token or answer.inputs != w.inputs:
                wrong.append(f"{key}: v{answer.version} holds {answer.note!r}, not {w.token!r}")
        elif answer.version < w.version or answer.note not in later:
            wrong.append(
                f"{key}: v{answer.version} {answer.note!r}, last acknowledged v{w.version}"
            )
    applied = sum(1 for w in unknown if notes[w.token] == 1)
    in_audit = sum(notes[t] for t in sent)
    ok = not (bad_once or doubled or phantom or drifted or wrong)
    print(
        f"answers: {len(acked)} saves acknowledged, {len(unknown)} unacknowledged "
        f"({applied} of them applied); audit records of the bench's saves {in_audit} = "
        f"{len(acked)} + {applied}; {len(answers)} answers, each at its last acknowledged "
        f"version, figures and note, its version = its audit records: {'PASS' if ok else 'FAIL'}"
    )
    for label, items in (
        ("acknowledged saves not in the audit trail exactly once", bad_once),
        ("unacknowledged saves applied twice", doubled),
        ("audit records of saves nobody sent", phantom),
        ("answers whose version is not their audit count (half-written)", drifted),
        ("answers not at their last acknowledged save (lost write)", wrong),
    ):
        if items:
            failures.append(f"{label}: {len(items)}, e.g. {items[:3]}")

    # Evidence: each acknowledged file one row, its file intact; rows and files match.
    rows = list(Evidence.objects.filter(kind=Evidence.Kind.FILE))
    by_sha = Counter(e.sha256 for e in rows)
    row_of = {e.sha256: e for e in rows}
    added = Counter(
        int(i)
        for i in AuditRecord.objects.filter(action="evidence.add").values_list(
            "object_id", flat=True
        )
    )
    acked_files = ledger.of("evidence", "ack")
    unknown_files = ledger.of("evidence", "unknown")
    problems = []
    for w in acked_files:
        row = row_of.get(w.token)
        if by_sha[w.token] != 1 or row is None or row.pk != w.evidence_id:
            problems.append(f"{w.token[:12]}: {by_sha[w.token]} rows")
            continue
        path = media / row.file.name
        if not path.is_file() or path.stat().st_size != w.size:
            problems.append(f"{row.pk}: file missing or cut short")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != w.token:
            problems.append(f"{row.pk}: file differs")
        if added[row.pk] != 1:
            problems.append(f"{row.pk}: {added[row.pk]} audit records")
    twice = [w.token[:12] for w in unknown_files if by_sha[w.token] > 1]
    applied_files = sum(1 for w in unknown_files if by_sha[w.token] == 1)
    ok = not (problems or twice)
    print(
        f"evidence: {len(acked_files)} uploads acknowledged, {len(unknown_files)} unacknowledged "
        f"({applied_files} of them stored); each acknowledged one row by SHA-256, its file on "
        f"disk intact (size, SHA-256), one audit record: {'PASS' if ok else 'FAIL'}"
    )
    if problems:
        failures.append(f"acknowledged uploads not stored exactly once: {problems[:5]}")
    if twice:
        failures.append(f"unacknowledged uploads stored twice: {twice[:5]}")

    def stored() -> set[str]:
        return {str(p.relative_to(media)) for p in (media / "evidence").rglob("*") if p.is_file()}

    on_disk = stored()
    named = {e.file.name for e in rows if e.file}
    left = sorted(on_disk - named)  # a worker killed between storing a file and its row
    # What the operator's `dti sweep` (at every start of scripts/serve, and daily) removes; here
    # at once (--older-than 0), the server being stopped and no upload in flight.
    swept = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "dti"), "sweep", "--older-than", "0", "--lang", "en"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    print(
        f"dti sweep: {len(left)} files without a row before it; "
        + (swept.stdout.strip().splitlines() or ["(no output)"])[-1]
    )
    if swept.returncode != 0:
        failures.append(f"dti sweep failed: {swept.stderr.strip()[-500:]}")
    on_disk = stored()
    orphans = sorted(on_disk - named)
    missing = sorted(named - on_disk)
    cut = [
        e.pk
        for e in rows
        if e.file and e.file.name in on_disk and (media / e.file.name).stat().st_size != e.size
    ]
    leftovers = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
    ok = not (orphans or missing or cut or leftovers)
    print(
        f"files: {len(on_disk)} under {media.name}/evidence, {len(named)} rows with a file; "
        f"files without a row {len(orphans)}, rows without their file {len(missing)}, rows whose "
        f"file is cut short {len(cut)}, temporary files left in TMPDIR {len(leftovers)}: "
        f"{'PASS' if ok else 'FAIL'}"
    )
    for label, items in (
        ("files without a row (orphans) after dti sweep", orphans),
        ("rows without their file", missing),
        ("rows whose file is cut short", cut),
        ("temporary files left behind", leftovers),
    ):
        if items:
            failures.append(f"{label}: {len(items)}: {items[:4]}")

    # Decisions: one audit record per version; the last acknowledged one stands.
    decisions = {
        (d.review.assessment_id, d.criterion_id): d
        for d in Decision.objects.filter(
            review__assessment__period_id=plan.period_appraisal
        ).select_related("review")
    }
    reasons: dict[int, list[str]] = defaultdict(list)
    for object_id, reason in AuditRecord.objects.filter(action="appraisal.decide").values_list(
        "object_id", "reason"
    ):
        reasons[int(object_id)].append(reason)
    said = Counter(r for rs in reasons.values() for r in rs)
    acked = ledger.of("decision", "ack")
    unknown = ledger.of("decision", "unknown")
    bad_once = [w.token for w in acked if said[w.token] != 1]
    doubled = [w.token for w in unknown if said[w.token] > 1]
    drifted = [
        f"{key}: v{d.version}, {len(reasons[d.pk])} records"
        for key, d in decisions.items()
        if d.version != len(reasons[d.pk])
    ]
    last = {}
    for w in sorted(acked, key=lambda w: w.at):
        last[w.key] = w
    wrong = []
    for key, w in last.items():
        d = decisions.get(key)
        later = {u.token for u in unknown if u.key == key and u.at > w.at}
        if d is None or (d.reason != w.token and d.reason not in later):
            wrong.append(f"{key}: {d.reason if d else None!r}, not {w.token!r}")
    applied = sum(1 for w in unknown if said[w.token] == 1)
    ok = not (bad_once or doubled or drifted or wrong)
    print(
        f"decisions: {len(acked)} acknowledged, {len(unknown)} unacknowledged ({applied} of them "
        f"applied); each in the audit trail once, {len(decisions)} decisions each at its last "
        f"acknowledged reason, its version = its audit records: {'PASS' if ok else 'FAIL'}"
    )
    for label, items in (
        ("acknowledged decisions not in the audit trail exactly once", bad_once),
        ("unacknowledged decisions applied twice", doubled),
        ("decisions whose version is not their audit count", drifted),
        ("decisions not at their last acknowledged one (lost write)", wrong),
    ):
        if items:
            failures.append(f"{label}: {len(items)}, e.g. {items[:3]}")
    return failures


# ---------------------------------------------------------------- the run


def drop_database(dsn: str, name: str) -> None:
    admin = dsn.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_database(dsn: str, name: str) -> None:
    drop_database(dsn, name)
    admin = dsn.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8'")


def cluster_of(port: int) -> list[str]:
    """The version and name of the PostgreSQL cluster on ``port`` (pg_lsclusters)."""
    out = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout
    for line in out.splitlines():
        version, name, cluster_port, *_rest = line.split()
        if int(cluster_port) == port:
            return [version, name]
    raise SystemExit(f"no PostgreSQL cluster of this machine listens on port {port}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def in_threads(calls: list[Callable[[], None]], width: int = 8) -> None:
    """Run the calls on ``width`` threads; the first failure stops the bench."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(width) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60, help="length of the load (60)")
    parser.add_argument("--users", type=int, default=50, help="data officers (50)")
    parser.add_argument("--appraisers", type=int, default=4, help="appraisers (4, at least 2)")
    parser.add_argument("--visitors", type=int, default=20, help="public visitors (20)")
    parser.add_argument(
        "--warmup", type=float, default=5, help="seconds of load before measuring (5)"
    )
    parser.add_argument(
        "--think", type=float, default=5.0, help="seconds between a person's actions (5)"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (scripts/serve's: 2 per CPU + 1)"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1)")
    parser.add_argument(
        "--fault", choices=["none", "postgres-restart", "kill-worker"], default="none"
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/dti_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--keep", action="store_true", help="keep the database and the files")
    args = parser.parse_args()

    dsn = args.database_url
    db_name = urlsplit(dsn).path.lstrip("/")
    if not db_name.startswith("dti_bench"):
        raise SystemExit("the bench's database name must start with dti_bench: it is dropped")
    db_port = urlsplit(dsn).port or 5432
    cluster = cluster_of(db_port) if args.fault == "postgres-restart" else []
    workdir = Path(tempfile.mkdtemp(prefix="dti-deadline-"))
    var, tmp = workdir / "var", workdir / "tmp"
    tmp.mkdir()
    media = var / "media"
    redis_prefix = f"dti-bench-{os.getpid()}"
    server: Server | None = None
    failures: list[str] = []
    clock = time.perf_counter()
    try:
        create_database(dsn, db_name)
        setup_django(dsn, var)
        plan = build(args.users, max(2, args.appraisers))
        from django.db import connections

        connections.close_all()
        built = time.perf_counter() - clock

        workers = args.workers or min(8, 2 * (os.cpu_count() or 1) + 1)
        env = {
            **os.environ,
            "DTI_SECRET_KEY": secrets.token_urlsafe(50),
            "DTI_ALLOWED_HOSTS": "127.0.0.1",
            "DTI_BIND": f"127.0.0.1:{free_port()}",
            "DTI_WORKERS": str(workers),
            "DTI_THREADS": str(args.threads),
            "DTI_DB_CONN_MAX_AGE": "60",
            "DTI_REDIS_URL": args.redis_url,
            "DTI_REDIS_PREFIX": redis_prefix,
            "DATABASE_URL": dsn,
            "DTI_VAR_DIR": str(var),
            "TMPDIR": str(tmp),  # Django spools large uploads here: it must be empty at the end
        }
        server = Server(env, int(env["DTI_BIND"].rsplit(":", 1)[1]), workdir / "server.log")
        print(
            f"Deadline day: {len(plan.officers)} data officers "
            f"({plan.per_unit} per unit of the 2024 period's 25), "
            f"{len(plan.appraisers)} appraisers on the 2021 period's 25 submitted units, "
            f"{args.visitors} public visitors; {args.seconds:.0f} s, {args.think} s between a "
            f"person's actions; gunicorn (scripts/serve) {workers} workers × {args.threads} "
            f"thread(s) on {os.cpu_count()} CPUs, PostgreSQL, Redis; fault: {args.fault}. "
            f"Built in {built:.0f} s."
        )

        ledger = Ledger()
        before_load = Recorder(time.perf_counter())
        officers = [
            Officer(
                Browser(server.base, before_load),
                name,
                ledger,
                n,
                unit=unit,
                period=plan.period_open,
                criteria=criteria,
            )
            for n, (name, unit, criteria) in enumerate(plan.officers)
        ]
        appraisers = [
            Appraiser(Browser(server.base, before_load), name, ledger, 1000 + n, units=units)
            for n, (name, units) in enumerate(plan.appraisers)
        ]
        visitors = [
            Visitor(
                Browser(server.base, before_load),
                f"visitor{n}",
                ledger,
                2000 + n,
                period=plan.period_published,
                units=plan.public_units,
            )
            for n in range(args.visitors)
        ]
        staff: list[Person] = [*officers, *appraisers]
        in_threads([lambda p=p: p.browser.sign_in(p.username) for p in staff])
        in_threads([o.open for o in officers])
        page = requests.get(server.base + "/accounts/sign-in/", timeout=10).text
        static = re.search(r'href="(/static/[^"]+\.css)"', page)
        static_path = static.group(1) if static else "/static/dti/dti.css"
        sign_ins = [s.ms for s in before_load.samples if s.kind == "sign in"]
        print(
            f"{len(staff)} people signed in through the sign-in form (p50 "
            f"{statistics.median(sign_ins):.0f} ms a request, argon2); the officers opened "
            f"their assessments."
        )

        # Alone: one person of each kind does each thing a few times.
        unloaded = Recorder(time.perf_counter())
        watcher = Browser(server.base, unloaded)
        for person in (officers[0], appraisers[0]):
            person.browser.recorder = unloaded
        for _ in range(UNLOADED_REPEAT):
            officers[0].save()
            officers[0].page()
            officers[0].upload()
            appraisers[0].workspace()
            appraisers[0].review()
            appraisers[0].decide()
            watcher.request("public index", "GET", "/public/")
            watcher.request("public ranking", "GET", f"/public/{plan.period_published}/")
            unit = random.choice(plan.public_units)
            watcher.request(
                "public unit page", "GET", f"/public/{plan.period_published}/unit/{unit}/"
            )
            watcher.request(BASELINE, "GET", static_path)

        # A second session of the first officer, for the faults' own uploads.
        fault_officer = Officer(
            Browser(server.base, before_load),
            plan.officers[0][0],
            ledger,
            9999,
            unit=plan.officers[0][1],
            period=plan.period_open,
            criteria=plan.officers[0][2],
        )
        fault_officer.browser.sign_in(fault_officer.username)
        fault_officer.open()
        # The load: a warm-up (every worker renders every page once or more), then the
        # measured seconds; samples of the warm-up have a negative start and are left out.
        start = time.perf_counter() + args.warmup
        until = start + args.seconds
        load = Recorder(start)
        for person in [*staff, *visitors]:
            person.browser.recorder = load
        baseline = Browser(server.base, load)

        def static_loop() -> None:
            while time.perf_counter() < until:
                baseline.request(BASELINE, "GET", static_path)
                time.sleep(STATIC_EVERY)

        faults = Faults(
            args.fault,
            server,
            {
                "origin": load.origin,
                "cluster": cluster,
                "ledger": ledger,
                "fault_officer": fault_officer,
                "tmp": tmp,
                "media": media,
                "dsn": dsn,
                "db_port": db_port,
            },
        )
        threads = [
            threading.Thread(target=p.run, args=(until, args.think), daemon=True)
            for p in [*staff, *visitors]
        ]
        threads.append(threading.Thread(target=static_loop, daemon=True))
        if args.fault != "none":
            threads.append(
                threading.Thread(target=faults.run, args=(start + 0.4 * args.seconds,), daemon=True)
            )
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, start - time.perf_counter()))
        workers_before = server.workers()
        cpu_before = {pid: cpu_seconds([pid]) for pid in workers_before}
        pg_before = {pid: cpu_seconds([pid]) for pid in named("postgres")}
        busy_before = machine_busy()
        own_before = time.process_time()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        workers_after = server.workers()
        # Killed workers' time is lost with them: then a lower bound.
        server_cpu = sum(cpu_seconds([pid]) - cpu_before.get(pid, 0.0) for pid in workers_after)
        pg_cpu = sum(cpu_seconds([pid]) - pg_before.get(pid, 0.0) for pid in named("postgres"))
        busy_after = machine_busy()
        busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
        own = time.process_time() - own_before

        print()
        missed = report(load, unloaded, elapsed, faults.windows)
        print(
            f"CPU: the machine {busy * 100:.0f} % busy ({busy * (os.cpu_count() or 1):.1f} of "
            f"{os.cpu_count()} CPUs): gunicorn's workers {server_cpu / elapsed:.2f}, "
            f"PostgreSQL {pg_cpu / elapsed:.2f}, this process (the browsers) "
            f"{own / elapsed:.2f}, anything else {busy * (os.cpu_count() or 1) - (server_cpu + pg_cpu + own) / elapsed:.2f}."
        )
        peaks = [mb for mb in map(peak_resident_mb, workers_after) if mb is not None]
        if peaks:
            print(
                f"memory: gunicorn's {len(peaks)} workers at most {min(peaks):.0f}–"
                f"{max(peaks):.0f} MB resident each, {sum(peaks):.0f} MB together (pages shared "
                "with the master counted in each)."
            )
        print(
            "targets: "
            + ("PASS" if not missed else "FAIL — " + "; ".join(missed))
            + f" (p95 < {WRITE_TARGET_MS} ms for writes, < {PAGE_TARGET_MS} ms for pages, "
            "no error)"
        )
        early = [s for s in load.samples if s.start < 0]
        early_errors = Counter((s.kind, s.error) for s in early if s.error)
        if early_errors:
            failures.append(f"errors during the warm-up: {dict(early_errors)}")
        if ledger.refusals:
            print(f"refused: {len(ledger.refusals)}, e.g. {ledger.refusals[:3]}")
            failures.append(f"{len(ledger.refusals)} writes refused")

        if args.fault != "none":
            failures += faults.report(load, elapsed, workers_before, workers_after, workers)

        print()
        time.sleep(1.0)  # let a killed worker's PostgreSQL session end
        failures += check_writes(ledger, plan, media, tmp, env)
        traces = server.tracebacks()
        print(f"server log: {len(traces)} tracebacks")
        if traces and args.fault == "none":
            failures.append(f"tracebacks in the server log:\n{traces[0]}")
        elif traces:
            print("  first: " + traces[0].splitlines()[-1][:200])
        print()
        for failure in failures:
            print(f"FAIL: {failure}")
        took = f"the whole run took {time.perf_counter() - clock:.0f} s"
        if args.fault == "none":
            verdict = not failures and not missed
            print(f"{'PASS' if verdict else 'FAIL'}: deadline day — {took}")
        else:
            verdict = not failures
            print(
                f"{'PASS' if verdict else 'FAIL'}: deadline day with {args.fault}: "
                f"{'recovered; nothing lost, doubled or half-written' if verdict else 'see above'}"
                f" (the latency targets are the plain run's) — {took}"
            )
    finally:
        if server is not None:
            server.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not be set up yet
            pass
        if args.keep:
            print(f"kept: database {db_name}, files in {workdir}")
        else:
            drop_database(dsn, db_name)
            try:
                import redis

                client = redis.Redis.from_url(args.redis_url)
                keys = list(client.scan_iter(f"{redis_prefix}:*"))
                if keys:
                    client.delete(*keys)
            except Exception as failure:
                print(f"could not delete the Redis keys {redis_prefix}:*: {failure!r}")
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
