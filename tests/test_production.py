"""Production mode (DTI_PRODUCTION=1): the settings it refuses to start without, `check --deploy`,
the security headers, gunicorn serving pages and hashed static files, the Content-Security-Policy
in a real browser, evidence in S3-compatible object storage, and Redis for cache and sessions.

Settings are read once, at import, from the environment: whatever depends on the environment is
tested in a subprocess started with it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from helpers import AppraisalCase, AssessmentCase

from dti.web import security

ROOT = Path(__file__).resolve().parent.parent
SECRET = secrets.token_urlsafe(50)
HOST = "dti.example.gov.vn"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; frame-ancestors 'self'; base-uri 'self'; "
    "form-action 'self'"
)


def production_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any DTI, database or Django setting (the browser
    tests set DJANGO_ALLOW_ASYNC_UNSAFE), in production mode with SQLite under ``var_dir``, plus
    ``extra`` (a value of "" removes the variable)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DTI_")
        and name not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DTI_PRODUCTION="1",
        DTI_SECRET_KEY=SECRET,
        DTI_ALLOWED_HOSTS=f"{HOST},127.0.0.1",
        DTI_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="dti.settings",
    )
    env.update(extra)
    return {name: value for name, value in env.items() if value != ""}


def dti(env: dict[str, str], *args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dti.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def python(env: dict[str, str], script: str, *args: str) -> Any:
    """Run ``script`` with ``env``; what it printed, as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


SETTINGS = """
import json, sys
from django.conf import settings
print(json.dumps({name: getattr(settings, name, None) for name in sys.argv[1:]}, default=str))
"""


def settings_under(env: dict[str, str], *names: str) -> dict[str, Any]:
    """The settings ``names`` as dti.settings makes them from ``env``."""
    return python(env, SETTINGS, *names)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A production data directory: its SQLite database migrated, the static files collected."""
    path = tmp_path_factory.mktemp("production")
    env = production_env(path)
    for command in (("migrate", "--noinput", "-v0"), ("collectstatic", "--noinput", "-v0")):
        done = dti(env, *command)
        assert done.returncode == 0, done.stderr
    return path


# ------------------------------------------------------------------ starting in production


def test_check_deploy_is_clean_behind_tls(tmp_path: Path) -> None:
    done = dti(production_env(tmp_path, DTI_HTTPS="1"), "check", "--deploy")
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr


@pytest.mark.parametrize("missing", ["DTI_SECRET_KEY", "DTI_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_secret_key_or_hosts(
    tmp_path: Path, missing: str
) -> None:
    done = dti(production_env(tmp_path, **{missing: ""}), "check")
    assert done.returncode != 0
    assert f"DTI_PRODUCTION=1 needs {missing}" in done.stderr


def test_production_refuses_debug(tmp_path: Path) -> None:
    done = dti(production_env(tmp_path, DTI_DEBUG="1"), "check")
    assert done.returncode != 0
    assert "DTI_DEBUG must be off when DTI_PRODUCTION=1" in done.stderr


def test_development_keeps_its_defaults(tmp_path: Path) -> None:
    env = production_env(tmp_path, DTI_PRODUCTION="", DTI_SECRET_KEY="", DTI_ALLOWED_HOSTS="")
    found = settings_under(
        env, "DEBUG", "ALLOWED_HOSTS", "STORAGES", "CACHES", "SESSION_ENGINE", "SECURE_SSL_REDIRECT"
    )
    assert found["DEBUG"] is False
    assert "127.0.0.1" in found["ALLOWED_HOSTS"]
    assert found["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")
    assert found["STORAGES"]["staticfiles"]["BACKEND"].endswith(".StaticFilesStorage")
    assert found["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert found["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert found["SECURE_SSL_REDIRECT"] is False


# ------------------------------------------------------------------ headers


HEADERS = """
import json, sys
import django
django.setup()
from django.test import Client

client = Client(HTTP_HOST=sys.argv[1], raise_request_exception=True)
found = {}
for path in sys.argv[2:]:
    for name, extra in (("http", {}), ("https", {"X-Forwarded-Proto": "https"})):
        response = client.get(path, headers=extra)
        found[f"{name} {path}"] = {
            "status": response.status_code,
            "headers": dict(response.headers),
            "cookies": {key: bool(morsel["secure"]) for key, morsel in response.cookies.items()},
        }
print(json.dumps(found))
"""


def headers_under(var_dir: Path, **extra: str) -> dict[str, Any]:
    env = production_env(var_dir, **extra)
    return python(env, HEADERS, HOST, "/accounts/sign-in/", "/api/v1/units")  # type: ignore[no-any-return]


def test_security_headers_in_production_behind_tls(var_dir: Path) -> None:
    found = headers_under(var_dir, DTI_HTTPS="1")
    # Plain HTTP is sent to HTTPS.
    plain = found["http /accounts/sign-in/"]
    assert plain["status"] == 301
    assert plain["headers"]["Location"] == f"https://{HOST}/accounts/sign-in/"
    for key in ("https /accounts/sign-in/", "https /api/v1/units"):
        response = found[key]
        headers = response["headers"]
        assert response["status"] in (200, 401), key
        assert headers["Content-Security-Policy"] == POLICY, key
        assert headers["Strict-Transport-Security"] == "max-age=31536000", key
        assert headers["X-Content-Type-Options"] == "nosniff", key
        assert headers["Referrer-Policy"] == "same-origin", key
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin", key
        assert headers["X-Frame-Options"] == "DENY", key
    assert found["https /accounts/sign-in/"]["cookies"] == {"csrftoken": True}


def test_hsts_is_configurable(var_dir: Path) -> None:
    found = headers_under(
        var_dir,
        DTI_HTTPS="1",
        DTI_HSTS_SECONDS="600",
        DTI_HSTS_INCLUDE_SUBDOMAINS="1",
        DTI_HSTS_PRELOAD="1",
    )
    headers = found["https /accounts/sign-in/"]["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains; preload"


def test_no_hsts_nor_redirect_without_tls(var_dir: Path) -> None:
    found = headers_under(var_dir)
    for key in ("http /accounts/sign-in/", "http /api/v1/units"):
        response = found[key]
        assert response["status"] in (200, 401), key
        assert "Strict-Transport-Security" not in response["headers"], key
        assert response["headers"]["Content-Security-Policy"] == POLICY, key
    assert found["http /accounts/sign-in/"]["cookies"] == {"csrftoken": False}


def test_csrf_trusted_origins_come_from_the_hosts(tmp_path: Path) -> None:
    env = production_env(tmp_path, DTI_HTTPS="1", DTI_ALLOWED_HOSTS=f"{HOST},.tinh.gov.vn,10.0.0.5")
    found = settings_under(env, "CSRF_TRUSTED_ORIGINS", "SECURE_PROXY_SSL_HEADER")
    assert found["CSRF_TRUSTED_ORIGINS"] == [
        f"https://{HOST}",
        "https://*.tinh.gov.vn",
        "https://10.0.0.5",
    ]
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_the_policy_holds_in_development_too(client: Any, db: None) -> None:
    for path in ("/accounts/sign-in/", "/api/v1/units", "/api/v1/docs"):
        response = client.get(path)
        assert response["Content-Security-Policy"] == POLICY, path
        assert "Strict-Transport-Security" not in response, path


def test_report_only_sends_the_policy_under_the_other_name(
    client: Any, db: None, settings: Any
) -> None:
    settings.DTI_CSP_REPORT_ONLY = True
    settings.DTI_CSP_REPORT_URI = "/csp-reports"
    response = client.get("/accounts/sign-in/")
    assert "Content-Security-Policy" not in response
    assert response["Content-Security-Policy-Report-Only"] == POLICY + "; report-uri /csp-reports"


def test_a_pdf_shown_inline_gets_only_frame_ancestors(
    personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    case = AssessmentCase(personas, builtin_frameworks)
    response = upload(case, PDF)
    assert response.status_code == 302
    url = file_url(case)
    response = case.client("officer_a").get(url + "?inline=1")
    assert response["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert response["X-Content-Type-Options"] == "nosniff"


# ------------------------------------------------------------------ the client's address


def address(trusted: list[str], remote: str, forwarded: str | None) -> str:
    from django.test import override_settings

    extra = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **extra)
    with override_settings(DTI_TRUSTED_PROXIES=trusted):
        middleware = security.ProxiedAddressMiddleware(
            lambda request: HttpResponse(request.META["REMOTE_ADDR"])
        )
    return middleware(request).content.decode()


def test_the_clients_address_is_taken_from_trusted_proxies_only() -> None:
    nginx = ["127.0.0.1"]
    assert address(nginx, "127.0.0.1", "203.0.113.7") == "203.0.113.7"
    assert address(nginx, "127.0.0.1", None) == "127.0.0.1"
    # A client that is not a trusted proxy cannot choose its address.
    assert address(nginx, "198.51.100.2", "203.0.113.7") == "198.51.100.2"
    # Behind a load balancer and nginx: the nearest untrusted address; what the client wrote
    # further left is ignored.
    chain = ["127.0.0.1", "10.0.0.0/8"]
    assert address(chain, "127.0.0.1", "1.1.1.1, 203.0.113.7, 10.0.0.2") == "203.0.113.7"
    assert address(chain, "127.0.0.1", "garbage, 10.0.0.2") == "10.0.0.2"
    assert address(chain, "::1", "2001:db8::5") == "::1"
    assert address(["::1"], "::1", "2001:db8::5") == "2001:db8::5"


def test_without_trusted_proxies_the_address_middleware_stands_aside(settings: Any) -> None:
    from django.core.exceptions import MiddlewareNotUsed

    settings.DTI_TRUSTED_PROXIES = []
    with pytest.raises(MiddlewareNotUsed):
        security.ProxiedAddressMiddleware(lambda request: HttpResponse())


# ------------------------------------------------------------------ gunicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextlib.contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[str]:
    """DTI served by ``scripts/serve`` (gunicorn, one worker) with ``env`` on a free loopback
    port, until the block ends; its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **env,
        "DTI_BIND": f"127.0.0.1:{port}",
        "DTI_WORKERS": "1",
        "DTI_VENV": str(Path(sys.executable).parent.parent),
    }
    server = subprocess.Popen(
        [str(ROOT / "scripts" / "serve")],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stdout.read().decode()  # type: ignore[union-attr]
            try:
                fetch(base + "/accounts/sign-in/")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start in 90 seconds"
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        server.stdout.close()  # type: ignore[union-attr]


def test_gunicorn_serves_pages_and_hashed_static_files(var_dir: Path) -> None:
    with gunicorn(production_env(var_dir)) as base:
        status, headers, body = fetch(base + "/accounts/sign-in/")
        assert status == 200
        assert headers["Server"].startswith("gunicorn")
        assert headers["Content-Security-Policy"] == POLICY
        html = body.decode()
        assert 'name="username"' in html
        stylesheet = re.search(r'href="(/static/dti/dti\.[0-9a-f]{12}\.css)"', html)
        assert stylesheet, "the page links the hashed name of the style sheet"
        status, headers, body = fetch(base + stylesheet.group(1), **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
        assert headers["Content-Encoding"] == "gzip"
        # The unhashed name is still served, briefly cached.
        status, headers, body = fetch(base + "/static/dti/dti.css")
        assert status == 200
        assert b"@font-face" in body
        assert headers["Cache-Control"] == "max-age=60, public"


# ------------------------------------------------------------------ S3-compatible storage


def upload(case: AssessmentCase, data: bytes, name: str = "Quyết định 105.pdf") -> Any:
    url = reverse("assessments:evidence", args=[case.assessment.pk])
    return case.client("officer_a").post(
        url,
        {
            "kind": "file",
            "files": [SimpleUploadedFile(name, data)],
            "criteria": [case.criterion("1.1").pk],
        },
    )


def file_url(case: AssessmentCase) -> str:
    from dti.assessments.models import Evidence

    return file_url_of(case, Evidence.objects.get(assessment=case.assessment))


def file_url_of(case: AssessmentCase, evidence: Any) -> str:
    return reverse("assessments:evidence_file", args=[case.assessment.pk, evidence.pk])


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto's) on a loopback port, for this test only."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # moto keeps its buckets in the process, from one server to the next: start empty.
    with socket.create_connection((host, port), timeout=5) as reset:
        reset.sendall(b"POST /moto-api/reset HTTP/1.0\r\nContent-Length: 0\r\n\r\n")
        assert reset.recv(100).startswith(b"HTTP/1.")
    yield endpoint
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str, tmp_path: Path, settings: Any) -> Any:
    """DTI's file storage in a bucket of the S3 server, under the prefix ``bacninh``, as the
    production settings make it from their variables; a boto3 client on that bucket."""
    import boto3

    env = production_env(
        tmp_path,
        DTI_S3_BUCKET="dti-evidence",
        DTI_S3_ENDPOINT_URL=s3_endpoint,
        DTI_S3_REGION="ap-southeast-1",
        DTI_S3_ACCESS_KEY="dti-access",
        DTI_S3_SECRET_KEY="dti-secret-key",
        DTI_S3_ADDRESSING_STYLE="path",
        DTI_S3_PREFIX="bacninh",
    )
    storages = settings_under(env, "STORAGES")["STORAGES"]
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    bucket = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="ap-southeast-1",
        aws_access_key_id="dti-access",
        aws_secret_access_key="dti-secret-key",
    )
    bucket.create_bucket(
        Bucket="dti-evidence",
        CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"},
    )
    # the files in the bucket; the static files as in the other tests (no collectstatic here)
    settings.STORAGES = {**settings.STORAGES, "default": storages["default"]}
    return bucket


def test_evidence_round_trip_through_s3(
    s3_bucket: Any,
    tmp_path: Path,
    personas: Any,
    builtin_frameworks: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from dti.assessments.models import Evidence

    bucket = s3_bucket
    case = AssessmentCase(personas, builtin_frameworks)
    assert upload(case, PDF).status_code == 302
    evidence = Evidence.objects.get()
    keys = [item["Key"] for item in bucket.list_objects_v2(Bucket="dti-evidence")["Contents"]]
    assert keys == [f"bacninh/{evidence.file.name}"]
    assert bucket.get_object(Bucket="dti-evidence", Key=keys[0])["Body"].read() == PDF
    # Private: nobody but the owner is granted anything.
    grants = bucket.get_object_acl(Bucket="dti-evidence", Key=keys[0])["Grants"]
    assert [grant["Grantee"].get("URI") for grant in grants] == [None]
    assert not list(tmp_path.rglob("*.pdf"))  # nothing on the local disk

    # Read back through DTI's own view, which checks who asks.
    url = file_url(case)
    response = case.client("officer_a").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert case.client("officer_b").get(url).status_code == 404

    # Removed through the page: gone from the bucket once the transaction commits.
    remove = reverse("assessments:evidence_remove", args=[case.assessment.pk, evidence.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert case.client("officer_a").post(remove).status_code == 302
    assert bucket.list_objects_v2(Bucket="dti-evidence").get("Contents", []) == []
    assert case.client("officer_a").get(url).status_code == 404


def test_the_sweep_removes_unnamed_objects_from_the_bucket(
    s3_bucket: Any, personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    """``dti sweep`` on S3-compatible storage: the object a killed worker left without its row
    goes once older than the cut-off; the evidence's own object and anything outside the upload
    folders stay."""
    import io

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from dti.assessments.models import Evidence

    case = AssessmentCase(personas, builtin_frameworks)
    assert upload(case, PDF).status_code == 302
    evidence = Evidence.objects.get()
    orphan = default_storage.save("evidence/1/1/0123456789abcdef", ContentFile(b"half"))
    default_storage.save("imports/waiting.xlsx", ContentFile(b"PK"))

    def keys() -> set[str]:
        listed = s3_bucket.list_objects_v2(Bucket="dti-evidence").get("Contents", [])
        return {item["Key"] for item in listed}

    out = io.StringIO()
    call_command("sweep", "--lang", "en", stdout=out)  # both younger than an hour
    assert "2 stored files checked; 0 that no record names removed" in out.getvalue()
    assert "1 younger than 60 minutes left alone" in out.getvalue()
    call_command("sweep", "--older-than", "0", "--lang", "en", stdout=out)
    assert f"removed {orphan}" in out.getvalue()
    assert keys() == {f"bacninh/{evidence.file.name}", "bacninh/imports/waiting.xlsx"}


def test_a_workbook_waiting_for_its_import_is_kept_in_the_bucket(
    s3_bucket: Any, tmp_path: Path, personas: Any
) -> None:
    """Behind a load balancer the confirmation of an import may reach another app server than
    the upload: the previewed workbook waits in the shared bucket, not on the first one's disk."""
    from test_units import GOOD_UNITS, admin, apply, counts, pending, upload, workbook

    def keys() -> set[str]:
        listed = s3_bucket.list_objects_v2(Bucket="dti-evidence").get("Contents", [])
        return {item["Key"] for item in listed}

    client = admin(personas)
    assert upload(client, workbook(GOOD_UNITS)).status_code == 302
    waiting = f"bacninh/imports/{pending(client)['token']}.xlsx"
    assert keys() == {waiting}
    assert not list(tmp_path.rglob("*.xlsx"))  # nothing on the local disk
    assert client.get(reverse("units:import_preview")).context["plan"].problems == []
    before = counts()
    assert apply(client).status_code == 302
    assert counts()["units"] == before["units"] + 2
    assert keys() == set()  # imported: removed from the bucket

    # Gone from the bucket before the confirmation: refused, nothing imported.
    assert (
        upload(client, workbook([[1, "Sở Nội vụ", "snv", "", "Nhóm 1", "", ""]])).status_code == 302
    )
    s3_bucket.delete_object(
        Bucket="dti-evidence", Key=f"bacninh/imports/{pending(client)['token']}.xlsx"
    )
    before = counts()
    response = apply(client)
    assert counts() == before
    message = client.get(response["Location"]).content.decode()
    assert "The uploaded workbook is gone or has changed: upload it again." in message


MAKE_ADMIN = """
import json, sys
import django
django.setup()
from dti.accounts.actions import create_user, grant_role, update_user
from dti.accounts.models import Role
from dti.audit.trail import Actor
actor = Actor(None, "test", "test_production")
user, _password = create_user(actor, "quantri", "Quản trị viên", password=sys.argv[1])
update_user(actor, user, must_change_password=False)
grant_role(actor, user, Role.Kind.ADMIN)
print(json.dumps(user.pk))
"""

UNITS = """
import json
import django
django.setup()
from dti.units.models import Unit
print(json.dumps(sorted(Unit.objects.values_list("code", flat=True))))
"""


def test_two_app_servers_share_one_database_and_one_bucket(
    var_dir: Path, tmp_path: Path, s3_endpoint: str, s3_bucket: Any
) -> None:
    """The scale-out of docs/deploy.md, on one machine: two gunicorn servers, each with its own
    local disk, one database and one bucket. A person signs in on the first, uploads a units
    workbook there, and the load balancer sends the confirmation to the second: it finds the
    session and the workbook, and imports it."""
    import requests
    from test_units import workbook

    database = tmp_path / "shared.sqlite3"
    shutil.copyfile(var_dir / "dti.sqlite3", database)  # migrated
    common = {
        "DATABASE_URL": f"sqlite:///{database}",
        "DTI_STATIC_ROOT": str(var_dir / "static"),  # collected
        "DTI_S3_BUCKET": "dti-evidence",
        "DTI_S3_ENDPOINT_URL": s3_endpoint,
        "DTI_S3_REGION": "ap-southeast-1",
        "DTI_S3_ACCESS_KEY": "dti-access",
        "DTI_S3_SECRET_KEY": "dti-secret-key",
        "DTI_S3_ADDRESSING_STYLE": "path",
        "DTI_S3_PREFIX": "bacninh",
    }
    first_env = production_env(tmp_path / "first", **common)
    second_env = production_env(tmp_path / "second", **common)
    password = secrets.token_urlsafe(16)
    python(first_env, MAKE_ADMIN, password)
    browser = requests.Session()  # cookies are the host's, whatever the port: one browser

    def form(base: str, path: str, data: dict[str, str], **files: Any) -> Any:
        return browser.post(
            base + path,
            data={**data, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            files=files or None,
            allow_redirects=False,
            timeout=30,
        )

    with gunicorn(first_env) as first, gunicorn(second_env) as second:
        assert browser.get(first + "/accounts/sign-in/", timeout=30).status_code == 200
        signed_in = form(first, "/accounts/sign-in/", {"username": "quantri", "password": password})
        assert signed_in.status_code == 302, signed_in.text
        book = workbook([[1, "Sở Nội vụ", "snv", "Sở, ban, ngành", "", "", ""]])
        uploaded = form(first, "/units/import/", {}, file=("don-vi.xlsx", book))
        assert uploaded.status_code == 302, uploaded.text
        # The workbook waits in the bucket, not on the first server's disk.
        listed = s3_bucket.list_objects_v2(Bucket="dti-evidence").get("Contents", [])
        assert [item["Key"].rsplit("/", 1)[0] for item in listed] == ["bacninh/imports"]
        assert not list(tmp_path.rglob("*.xlsx"))

        preview = browser.get(second + "/units/import/preview/", timeout=30)
        assert preview.status_code == 200 and "Sở Nội vụ" in preview.text
        token = re.search(r'name="token" value="([0-9a-f]+)"', preview.text)
        sha256 = re.search(r'name="sha256" value="([0-9a-f]+)"', preview.text)
        assert token and sha256
        applied = form(second, "/units/import/apply/", {"token": token[1], "sha256": sha256[1]})
        assert applied.status_code == 302 and applied.headers["Location"] == "/units/import/done/"
    assert python(first_env, UNITS) == ["snv"]
    assert s3_bucket.list_objects_v2(Bucket="dti-evidence").get("Contents", []) == []


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_through_s3(
    s3_bucket: Any, tmp_path: Path, personas: Any, builtin_frameworks: dict[str, Any]
) -> None:
    """With the files in a bucket, ``dti backup`` reads them through the storage API and
    ``dti restore`` writes them back there; a restore that fails puts back the objects it
    replaced. (In real transactions: the restore is the outermost one, as when an operator runs
    it, and PostgreSQL truncates no table the same transaction has written.)"""
    import zipfile

    from django.core.files.storage import default_storage

    from dti.assessments.models import Evidence
    from dti.web.backup import BackupError, restore_backup, write_backup

    second = PDF + b"% the second file\n"
    case = AssessmentCase(personas, builtin_frameworks)
    assert upload(case, PDF).status_code == 302
    assert upload(case, second, "Kế hoạch.pdf").status_code == 302
    first, other = Evidence.objects.order_by("pk")
    archive = tmp_path / "dti.zip"
    summary = write_backup(archive)
    assert summary.files == 2 and summary.missing == []
    assert summary.manifest["storage"] == "S3Storage"
    with zipfile.ZipFile(archive) as opened:
        assert opened.read(f"media/{first.file.name}") == PDF
        assert opened.read(f"media/{other.file.name}") == second
    assert not list(tmp_path.rglob("evidence"))  # nothing read from or left on the local disk

    def content(name: str) -> bytes:
        body = s3_bucket.get_object(Bucket="dti-evidence", Key=f"bacninh/{name}")["Body"]
        return bytes(body.read())

    # The bucket changed since: both objects differ. A restore that fails on the second object
    # puts the first one back as it was, and the database as it was.
    for name in (first.file.name, other.file.name):
        s3_bucket.put_object(Bucket="dti-evidence", Key=f"bacninh/{name}", Body=b"changed")
    Evidence.objects.filter(pk=other.pk).update(summary="đổi sau sao lưu")
    save, calls = default_storage.save, []

    def failing_save(name: str, content: Any, **kwargs: Any) -> str:
        calls.append(name)
        if len(calls) == 2:
            raise OSError("the bucket refused the object")
        return save(name, content, **kwargs)

    default_storage.save = failing_save  # type: ignore[method-assign]
    try:
        with pytest.raises(OSError, match="refused"):
            restore_backup(archive, force=True)
    finally:
        del default_storage.save
    assert content(first.file.name) == content(other.file.name) == b"changed"
    assert Evidence.objects.get(pk=other.pk).summary == "đổi sau sao lưu"

    with pytest.raises(BackupError, match="already holds data"):
        restore_backup(archive)
    restored = restore_backup(archive, force=True)
    assert restored.files == 2
    assert content(first.file.name) == PDF and content(other.file.name) == second
    assert Evidence.objects.get(pk=other.pk).summary == ""
    # and read back through DTI's own view
    response = case.client("officer_a").get(file_url_of(case, first))
    assert b"".join(response.streaming_content) == PDF


# ------------------------------------------------------------------ Redis


REDIS = ("127.0.0.1", 6379)


def redis_listens() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the local Redis, its keys removed afterwards."""
    if not redis_listens():
        pytest.skip("no Redis listens on 127.0.0.1:6379 (start one to test the Redis cache)")
    import redis

    prefix = f"dti-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    connection = redis.Redis(*REDIS, db=15)
    for key in connection.scan_iter(f"{prefix}:*"):
        connection.delete(key)
    connection.close()


def test_cache_and_sessions_in_redis(
    redis_prefix: str, tmp_path: Path, settings: Any, personas: Any
) -> None:
    import redis
    from django.contrib.sessions.models import Session
    from django.core.cache import cache

    env = production_env(
        tmp_path, DTI_REDIS_URL="redis://127.0.0.1:6379/15", DTI_REDIS_PREFIX=redis_prefix
    )
    found = settings_under(env, "CACHES", "SESSION_ENGINE")
    assert found["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
        "KEY_PREFIX": redis_prefix,
    }
    assert found["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    settings.CACHES = found["CACHES"]
    settings.SESSION_ENGINE = found["SESSION_ENGINE"]

    cache.set("round-trip", {"điểm": "22.50"}, 60)
    assert cache.get("round-trip") == {"điểm": "22.50"}
    connection = redis.Redis(*REDIS, db=15)
    assert connection.exists(f"{redis_prefix}:1:round-trip")

    client = personas.client("officer_a")
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/start/").status_code in (200, 302)
    assert client.get("/accounts/me/").status_code == 200
    in_redis = list(connection.scan_iter(f"{redis_prefix}:*{session_key}"))
    assert in_redis, "the session is in Redis"
    assert Session.objects.filter(session_key=session_key).exists()

    # Redis restarts empty: the session comes back from the database.
    for key in connection.scan_iter(f"{redis_prefix}:*"):
        connection.delete(key)
    assert client.get("/accounts/me/").status_code == 200
    connection.close()


# ------------------------------------------------------------------ the policy in a real browser


REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def watched(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A page that records every Content-Security-Policy violation, and its record."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            message.text.startswith("CSP violation") and violations.append(message.text)
        ),
    )
    yield page, violations
    context.close()


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/accounts/sign-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/sign-in/" not in page.url, username


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pages_work_under_the_policy(watched: tuple[Any, list[str]], live_server: Any) -> None:
    from playwright.sync_api import expect

    from dti.assessments.models import Assessment
    from dti.audit.trail import Actor
    from dti.periods.models import Period
    from dti.results.models import UnitResult
    from dti.units.models import Unit
    from dti.web.demo import DEMO_PASSWORD, load_demo
    from dti.web.management.commands.demo import load_builtin_frameworks

    page, violations = watched
    base = live_server.url
    load_builtin_frameworks(Actor(label="test"))
    load_demo(Actor(label="test"))

    # The detector works: an inline script is refused and reported.
    page.goto(base + "/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.head.append(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert violations and "script-src" in violations[0]
    violations.clear()

    # The public site with its charts.
    published = Period.objects.filter(status=Period.Status.PUBLISHED).order_by("-year").first()
    result = UnitResult.objects.filter(period=published).first()
    for path in (
        "/",
        "/public/",
        f"/public/{published.pk}/",
        f"/public/{published.pk}/unit/{result.unit_id}/",
        "/frameworks/",
        "/frameworks/bacninh-huyen/",
    ):
        page.goto(base + path)
        assert page.locator("main").count() == 1, path

    # The API's interactive page draws its operations.
    page.goto(base + "/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15000)

    # The assessment form's script works; the progress bars' widths are style attributes.
    sign_in(page, base, "stp.canbo", DEMO_PASSWORD)
    period = Period.objects.get(year=2024)
    unit = Unit.objects.get(name="Sở Tư pháp")
    page.goto(f"{base}/assessments/open/{period.pk}/{unit.pk}/")
    assessment = Assessment.objects.get(period=period, unit=unit)
    page.wait_for_url(f"{base}/assessments/{assessment.pk}/")
    row = page.locator('tr[data-code="1.1"]')
    row.locator("input[type=radio]").first.check()
    expect(row.locator(".state")).not_to_have_text("", timeout=10000)
    for path in ("summary", "departments"):
        page.goto(f"{base}/assessments/{assessment.pk}/{path}/")
    bar = page.locator(".bar .done").first
    if bar.count():
        assert bar.evaluate("node => node.style.width") != ""

    # The administrator's pages with charts.
    sign_in(page, base, "quantri", DEMO_PASSWORD)
    for path in (f"/results/{published.pk}/", f"/results/unit/{result.unit_id}/{published.pk}/"):
        page.goto(base + path)
    assert violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_appraisal_page_frames_a_pdf_under_the_policy(
    watched: tuple[Any, list[str]], live_server: Any, personas: Any, builtin_frameworks: Any
) -> None:
    from dti.assessments import uploads
    from dti.assessments.models import Evidence

    page, violations = watched
    case = AppraisalCase(personas, builtin_frameworks)
    checked = uploads.check_upload(SimpleUploadedFile("a.pdf", PDF), max_bytes=10_000_000)
    evidence = Evidence.objects.create(
        assessment=case.assessment,
        kind=Evidence.Kind.FILE,
        file=checked.upload,
        original_name=checked.name,
        content_type=checked.type.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    evidence.criteria.set([case.criterion("1.1")])
    sign_in(page, live_server.url, "appraiser", "mật-khẩu-thử-nghiệm")
    page.goto(f"{live_server.url}/appraisal/review/{case.assessment.pk}/")
    frame = page.locator("iframe").first
    frame_url = reverse("appraisal:evidence_file", args=[case.assessment.pk, evidence.pk])
    assert frame.get_attribute("src") == f"{frame_url}?inline=1"
    with page.expect_response(lambda response: frame_url in response.url) as shown:
        page.locator("details.ws-preview summary").first.click()  # the frame loads when opened
    response = shown.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    page.wait_for_timeout(500)
    # Drawn by the browser's PDF viewer (not downloaded), and nothing refused.
    assert any(frame.url.startswith("chrome-extension://") for frame in page.frames)
    assert violations == []
