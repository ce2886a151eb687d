"""The first screens: layout, language, the framework list and page, exports."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dti.frameworks.fileformat import load_text, to_document
from dti.frameworks.store import to_scoring

pytestmark = pytest.mark.django_db


def test_home_is_vietnamese_by_default(client: Client, builtin_frameworks: dict[str, Any]) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Bộ chỉ số DTI cấp sở tỉnh Bắc Ninh" in html


def test_vietnamese_even_when_the_browser_asks_for_english(client: Client) -> None:
    response = client.get("/frameworks/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="vi">' in response.content.decode()
    assert response["Content-Language"] == "vi"


def test_language_switch_to_english(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/frameworks/"})
    assert response.status_code == 302
    html = client.get("/frameworks/").content.decode()
    assert '<html lang="en">' in html
    assert "Frameworks" in html


def test_no_cdn_in_pages(client: Client, builtin_frameworks: dict[str, Any]) -> None:
    for url in ("/", "/frameworks/", "/frameworks/bacninh-so/"):
        html = client.get(url).content.decode()
        assert "https://" not in html.replace("https://chuyendoiso", ""), url
        assert "/static/dti/dti.css" in html


def test_framework_list(client: Client, builtin_frameworks: dict[str, Any]) -> None:
    response = client.get("/frameworks/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    for code in builtin_frameworks:
        assert f'href="/frameworks/{code}/"' in html
    assert "1187/QĐ-UBND" in html


def test_framework_page_shows_tree_rules_and_report(
    client: Client, builtin_frameworks: dict[str, Any]
) -> None:
    html = client.get("/frameworks/binhphuoc-website/").content.decode()
    assert "Tin tức sự kiện" in html
    # The validation report, in Vietnamese numbers (decimal comma).
    assert "5,5" in html
    assert html.count('class="warning"') == 10
    clean = client.get("/frameworks/bacninh-so/").content.decode()
    assert 'class="report-ok"' in clean
    assert "Tỷ lệ CBCCVC thuộc đối tượng đã được cấp chứng thư số chuyên dùng" in clean
    assert clean.count('<tr class="pillar"') == 6


def test_framework_page_of_an_older_version_and_unknown_ones(
    client: Client, builtin_frameworks: dict[str, Any]
) -> None:
    assert client.get("/frameworks/bacninh-so/v1/").status_code == 200
    assert client.get("/frameworks/bacninh-so/v9/").status_code == 404
    assert client.get("/frameworks/nothing/").status_code == 404


@pytest.mark.parametrize(
    "url", ["/", "/frameworks/", "/frameworks/bacninh-so/", "/frameworks/bacninh-so/v1/export.yaml"]
)
def test_pages_refuse_other_methods(
    client: Client, builtin_frameworks: dict[str, Any], url: str
) -> None:
    assert client.post(url).status_code == 405


def test_export_yaml_loads_back_the_same(
    client: Client, builtin_frameworks: dict[str, Any]
) -> None:
    response = client.get("/frameworks/binhphuoc-agency/v1/export.yaml")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="binhphuoc-agency-v1.yaml"'
    loaded = load_text(response.content.decode("utf-8"))
    assert loaded.framework is not None
    assert to_document(loaded.framework) == to_document(
        to_scoring(builtin_frameworks["binhphuoc-agency"])
    )


def test_export_xlsx(client: Client, builtin_frameworks: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    response = client.get("/frameworks/bacninh-huyen/v1/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert "Bộ chỉ số" in workbook.sheetnames
    assert client.get("/frameworks/bacninh-huyen/v1/export.pdf").status_code == 404


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_framework(
    client: Client, builtin_frameworks: dict[str, Any]
) -> None:
    small = _queries(client, "/frameworks/binhphuoc-agency/")
    large = _queries(client, "/frameworks/bacninh-huyen/")
    assert small == large == 3
    assert _queries(client, "/frameworks/") == 1
    assert _queries(client, "/") == 1


def test_stored_framework_scores_like_its_file(builtin_frameworks: dict[str, Any]) -> None:
    from dti.frameworks.fileformat import builtin_path, load_file
    from dti.scoring import score

    stored = to_scoring(builtin_frameworks["bacninh-so"])
    original = load_file(builtin_path("bacninh-so")).framework  # type: ignore[arg-type]
    answers = {
        "1.1": {"yes": True},
        "3.3": {"numerator": 2, "denominator": 13},
        "6.9": {"value": 85},
    }
    assert score(stored, answers).total == score(original, answers).total == Decimal("47.08")  # type: ignore[arg-type]
