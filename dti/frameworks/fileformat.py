"""The framework file: load and validate it, and write it back.

A framework file is YAML (see docs/framework-format.md). Loading never raises
on bad input: every problem comes back with its place — criterion code and
file line, or spreadsheet cell — as errors (the framework does not load),
warnings (it loads; ``strict`` turns them into errors) and notes.

This module is pure Python, like the scoring package: the command line scores
framework files offline with it, with no database.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from dti.scoring.model import (
    FIELD_TYPES,
    LEVELS,
    NA_POLICIES,
    Band,
    Criterion,
    Framework,
    GeneralField,
    Rule,
)
from dti.scoring.numbers import parse_decimal, plain
from dti.scoring.problems import Problem
from dti.scoring.problems import gettext_noop as _
from dti.scoring.rules import check_rule

BUILTIN_DIR = Path(__file__).parent / "builtin"
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FIELD_KEY_PATTERN = re.compile(r"^[a-z_][a-z0-9_]*$")
ZERO = Decimal(0)

TOP_KEYS = (
    "code",
    "name",
    "level",
    "year",
    "legal_basis",
    "total",
    "not_applicable",
    "classification",
    "general_info",
    "criteria",
    "description",
)
LEGAL_KEYS = ("number", "date", "issuer", "title")
FIELD_KEYS = ("key", "label", "type", "unit", "number", "section")
NODE_KEYS = (
    "code",
    "title",
    "max",
    "announced_max",
    "rule",
    "evidence",
    "notes",
    "na_allowed",
    "lead",
    "coordinating",
    "children",
)


class Place(dict[str, Any]):
    """A mapping read from a file, remembering where it and each of its keys came from."""

    line: int | None = None
    cell: str | None = None
    key_places: dict[str, tuple[int | None, str | None]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_places = {}

    def place(self, key: str | None = None) -> tuple[int | None, str | None]:
        if key is not None and key in self.key_places:
            return self.key_places[key]
        return self.line, self.cell


@dataclass
class LoadResult:
    """What loading a framework gives: the framework (None on errors) and every problem."""

    framework: Framework | None
    problems: list[Problem] = field(default_factory=list)
    code: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "note"]

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------- reading YAML


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps line numbers and reads every decimal number exactly."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Place:
    mapping = Place()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (str, int, Decimal)) and str(key) in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"“{key}” is given twice in the same mapping", key_node.start_mark
            )
        if isinstance(key, bool) or key is None:
            key = str(key_node.value)  # "yes:", "no:", "on:" are words here, not booleans
        elif not isinstance(key, str):
            key = str(key)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_places[key] = (key_node.start_mark.line + 1, None)
    return mapping


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> Decimal | str:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except ArithmeticError:
        return text  # .inf, .nan: left as text, refused as "not a number" later


def _construct_date(loader: _Loader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)


def read_yaml(text: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text; a syntax error comes back as one problem with its line."""
    try:
        return yaml.load(text, Loader=_Loader), []  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        detail = " ".join(filter(None, [exc.context, exc.problem]))
        return None, [
            Problem("error", _("this is not valid YAML: %(detail)s"), {"detail": detail}, line=line)
        ]
    except yaml.YAMLError as exc:
        return None, [
            Problem("error", _("this is not valid YAML: %(detail)s"), {"detail": str(exc)})
        ]
    except RecursionError:
        return None, [Problem("error", _("the file is nested too deeply to be a framework"))]


def load_text(text: str, strict: bool = False) -> LoadResult:
    document, problems = read_yaml(text)
    if problems:
        return LoadResult(None, problems)
    return build(document, strict=strict)


def load_file(path: str | Path, strict: bool = False) -> LoadResult:
    """Load a framework file (.yaml/.yml, or .xlsx through the spreadsheet reader)."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from dti.frameworks.spreadsheet import read_workbook  # openpyxl only when needed

        document, problems = read_workbook(path)
        if problems:
            return LoadResult(None, problems)
        return build(document, strict=strict)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return LoadResult(
            None, [Problem("error", _("the file is not UTF-8 text; save it as UTF-8 YAML"))]
        )
    except OSError as exc:
        return LoadResult(
            None,
            [
                Problem(
                    "error",
                    _("cannot read the file: %(reason)s"),
                    {"reason": exc.strerror or str(exc)},
                )
            ],
        )
    return load_text(text, strict=strict)


def builtin_codes() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def builtin_path(code: str) -> Path | None:
    path = BUILTIN_DIR / f"{code}.yaml"
    return path if code in builtin_codes() else None


# ---------------------------------------------------------------- validating


class _Builder:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.codes: dict[str, Place] = {}

    def add(
        self,
        level: str,
        template: str,
        where: Place | None = None,
        at: str | None = None,
        code: str | None = None,
        **params: Any,
    ) -> None:
        line, cell = where.place(at) if where is not None else (None, None)
        self.problems.append(Problem(level, template, params, code=code, line=line, cell=cell))  # type: ignore[arg-type]

    def unknown_keys(
        self, data: Place, allowed: Iterable[str], where: str, code: str | None = None
    ) -> None:
        templates = {
            "framework": _("unknown field “%(key)s” in the framework (allowed: %(allowed)s)"),
            "criterion": _("unknown field “%(key)s” in criterion %(code)s (allowed: %(allowed)s)"),
            "legal_basis": _("unknown field “%(key)s” in legal_basis (allowed: %(allowed)s)"),
            "general_info": _("unknown field “%(key)s” in general_info (allowed: %(allowed)s)"),
            "classification": _("unknown field “%(key)s” in classification (allowed: %(allowed)s)"),
        }
        for key in data:
            if key not in allowed:
                self.add(
                    "error", templates[where], data, key, code, key=key, allowed=", ".join(allowed)
                )

    def number(self, data: Place, key: str, code: str | None = None) -> Decimal | None:
        if data.get(key) is None:
            return None
        try:
            value = parse_decimal(data[key])
        except ValueError:
            self.add(
                "error",
                _("“%(key)s” must be a number, not “%(value)s”"),
                data,
                key,
                code,
                key=key,
                value=data[key],
            )
            return None
        if value < 0:
            self.add(
                "error",
                _("“%(key)s” cannot be negative (%(value)s)"),
                data,
                key,
                code,
                key=key,
                value=value,
            )
            return None
        return value

    def text(self, data: Place, key: str, code: str | None = None) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if isinstance(value, (Mapping, list)):
            self.add("error", _("“%(key)s” must be text"), data, key, code, key=key)
            return ""
        return _scalar_text(value)


def _scalar_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)  # keeps "6.10" as written
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value).strip()


def build(document: Any, strict: bool = False) -> LoadResult:
    """Validate a framework document (from YAML or a spreadsheet) and build the framework."""
    b = _Builder()
    if not isinstance(document, Place):
        b.add("error", _("a framework file must be a mapping with code, name, criteria …"))
        return LoadResult(None, b.problems)
    b.unknown_keys(document, TOP_KEYS, "framework")

    code = b.text(document, "code")
    if not code:
        b.add("error", _("the framework has no “code”"), document)
    elif not CODE_PATTERN.match(code):
        b.add(
            "error",
            _("the code “%(code)s” may use only lower-case letters, digits and “-”"),
            document,
            "code",
            code=code,
        )
    name = b.text(document, "name")
    if not name:
        b.add("error", _("the framework has no “name”"), document)
    level = b.text(document, "level") or "other"
    if level not in LEVELS:
        b.add(
            "error",
            _("“level” must be one of: %(levels)s"),
            document,
            "level",
            levels=", ".join(LEVELS),
        )
    year: int | None = None
    if document.get("year") is not None:
        raw_year = document["year"]
        if isinstance(raw_year, int) and not isinstance(raw_year, bool) and 1900 < raw_year < 2200:
            year = raw_year
        else:
            b.add("error", _("“year” must be a year such as 2024"), document, "year")
    legal = _legal_basis(b, document)
    total = b.number(document, "total")
    na_policy = b.text(document, "not_applicable") or "exclude"
    if na_policy not in NA_POLICIES:
        b.add(
            "error",
            _("“not_applicable” must be “exclude” (exclude and rescale) or “full” (full marks)"),
            document,
            "not_applicable",
        )
    bands = _bands(b, document)
    fields = _general_fields(b, document)

    roots: list[Criterion] = []
    raw_criteria = document.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        b.add(
            "error",
            _("the framework has no criteria (“criteria” must be a list)"),
            document,
            "criteria" if "criteria" in document else None,
        )
    else:
        field_map = {f.key: f for f in fields}
        roots = _criteria(b, raw_criteria, None, field_map, document)

    framework = Framework(
        code=code,
        name=name,
        level=level,
        year=year,
        legal_basis=legal,
        total=total,
        na_policy=na_policy,
        bands=bands,
        general_fields=fields,
        criteria=roots,
        description=b.text(document, "description"),
    )
    if roots:
        _check_totals(b, framework, document)
    problems = b.problems
    if strict:
        problems = [p.with_level("error") if p.level == "warning" else p for p in problems]
    ok = not any(p.level == "error" for p in problems)
    return LoadResult(framework if ok else None, problems, code)


def _legal_basis(b: _Builder, document: Place) -> dict[str, str]:
    raw = document.get("legal_basis")
    if raw is None:
        return {}
    if not isinstance(raw, Place):
        b.add(
            "error",
            _("“legal_basis” must have number, date, issuer (and title)"),
            document,
            "legal_basis",
        )
        return {}
    b.unknown_keys(raw, LEGAL_KEYS, "legal_basis")
    legal = {key: b.text(raw, key) for key in LEGAL_KEYS if raw.get(key) is not None}
    if "date" in legal:
        try:
            datetime.date.fromisoformat(legal["date"])
        except ValueError:
            b.add(
                "error",
                _("the date “%(date)s” is not a date written as YYYY-MM-DD"),
                raw,
                "date",
                date=legal["date"],
            )
    return legal


def _bands(b: _Builder, document: Place) -> list[Band]:
    raw = document.get("classification")
    if raw is None:
        return []
    if not isinstance(raw, list):
        b.add(
            "error",
            _("“classification” must be a list of {label, min}, highest first"),
            document,
            "classification",
        )
        return []
    bands: list[Band] = []
    for item in raw:
        if not isinstance(item, Place) or "label" not in item or "min" not in item:
            b.add(
                "error",
                _("each classification band needs “label” and “min”"),
                item if isinstance(item, Place) else document,
                None if isinstance(item, Place) else "classification",
            )
            continue
        b.unknown_keys(item, ("label", "min"), "classification")
        low = b.number(item, "min")
        if low is None:
            continue
        if bands and low >= bands[-1].min:
            b.add(
                "error",
                _(
                    "classification bands out of order: “%(label)s” starts at %(low)s, not below the band before it"
                ),
                item,
                "min",
                label=b.text(item, "label"),
                low=low,
            )
        bands.append(Band(b.text(item, "label"), low))
    return bands


def _general_fields(b: _Builder, document: Place) -> list[GeneralField]:
    raw = document.get("general_info")
    if raw is None:
        return []
    if not isinstance(raw, list):
        b.add("error", _("“general_info” must be a list of fields"), document, "general_info")
        return []
    fields: list[GeneralField] = []
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, Place):
            b.add(
                "error",
                _("each general-information field needs “key” and “label”"),
                document,
                "general_info",
            )
            continue
        b.unknown_keys(item, FIELD_KEYS, "general_info")
        key = b.text(item, "key")
        if not key or not FIELD_KEY_PATTERN.match(key):
            b.add(
                "error",
                _(
                    "a general-information field needs a “key” of lower-case letters, digits and “_”"
                ),
                item,
            )
            continue
        if key in seen:
            b.add(
                "error",
                _("the general-information field “%(key)s” appears twice"),
                item,
                "key",
                key=key,
            )
            continue
        seen.add(key)
        kind = b.text(item, "type") or "text"
        if kind not in FIELD_TYPES:
            b.add(
                "error",
                _("“type” must be one of: %(types)s"),
                item,
                "type",
                types=", ".join(FIELD_TYPES),
            )
            continue
        label = b.text(item, "label")
        if not label:
            b.add(
                "error", _("the general-information field “%(key)s” has no “label”"), item, key=key
            )
        fields.append(
            GeneralField(
                key=key,
                label=label,
                type=kind,
                unit=b.text(item, "unit"),
                number=b.text(item, "number"),
                section=b.text(item, "section"),
                line=item.line,
            )
        )
    return fields


def _criteria(
    b: _Builder,
    raw: list[Any],
    parent: str | None,
    fields: dict[str, GeneralField],
    container: Place,
) -> list[Criterion]:
    nodes: list[Criterion] = []
    for index, item in enumerate(raw, 1):
        if not isinstance(item, Place):
            b.add(
                "error",
                _("each criterion must be a mapping with code, title, max …"),
                container,
                "children" if parent else "criteria",
                code=parent,
            )
            continue
        node = _criterion(b, item, index, parent, fields)
        if node is not None:
            nodes.append(node)
    return nodes


def full_code(printed: str, index: int, parent: str | None) -> str:
    """The criterion's code, unique in its framework, from its STT as printed.

    "6.19" under "6" stays "6.19"; a letter such as "a" under "2" becomes "2.a";
    an unnumbered row becomes its parent's code and its position ("1.2.1").
    """
    if not printed:
        return f"{parent}.{index}" if parent else str(index)
    if parent is None or printed.startswith(parent + "."):
        return printed
    return f"{parent}.{printed}"


def _criterion(
    b: _Builder, item: Place, index: int, parent: str | None, fields: dict[str, GeneralField]
) -> Criterion | None:
    printed = b.text(item, "code")
    code = full_code(printed, index, parent)
    b.unknown_keys(item, NODE_KEYS, "criterion", code)
    if code in b.codes:
        first = b.codes[code].line
        b.add(
            "error",
            _("the code “%(code)s” is used twice (first at line %(first)s)")
            if first
            else _("the code “%(code)s” is used twice"),
            item,
            "code",
            code,
            first=first,
        )
    else:
        b.codes[code] = item
    title = b.text(item, "title", code)
    if not title:
        b.add("error", _("criterion %(code)s has no title"), item, code=code)
    maximum = b.number(item, "max", code)
    announced = b.number(item, "announced_max", code)
    na_allowed = item.get("na_allowed", False)
    if not isinstance(na_allowed, bool):
        b.add("error", _("“na_allowed” must be true or false"), item, "na_allowed", code)
        na_allowed = False

    children: list[Criterion] = []
    raw_children = item.get("children")
    if raw_children is not None:
        if not isinstance(raw_children, list) or not raw_children:
            b.add("error", _("“children” must be a non-empty list"), item, "children", code)
        else:
            children = _criteria(b, raw_children, code, fields, item)

    rule: Rule | None = None
    raw_rule = item.get("rule")
    if children:
        if raw_rule is not None:
            b.add(
                "error",
                _("criterion %(code)s has sub-criteria, so it has no rule: its score is their sum"),
                item,
                "rule",
                code,
            )
    else:
        rule = _rule(b, item, raw_rule, code, maximum, fields)

    node = Criterion(
        code=code,
        printed=printed,
        title=title,
        max=maximum,
        rule=rule,
        children=children,
        announced_max=announced,
        evidence=b.text(item, "evidence", code),
        notes=b.text(item, "notes", code),
        na_allowed=na_allowed,
        lead=b.text(item, "lead", code),
        coordinating=b.text(item, "coordinating", code),
        line=item.line,
    )
    if children:
        _check_parent(b, node, item)
    elif maximum is None and item.get("max") is None and rule is not None and rule.type != "info":
        b.add("error", _("criterion %(code)s has no maximum points (“max”)"), item, code=code)
    elif announced is not None and maximum is not None and announced != maximum:
        b.add(
            "warning",
            _("criterion %(code)s is announced as %(announced)s points but printed with %(max)s"),
            item,
            "announced_max",
            code,
            announced=announced,
            max=maximum,
        )
    return node


def _rule(
    b: _Builder,
    item: Place,
    raw: Any,
    code: str,
    maximum: Decimal | None,
    fields: dict[str, GeneralField],
) -> Rule | None:
    if raw is None:
        b.add(
            "note",
            _("criterion %(code)s has no rule; it is scored manually (a score within [0, max])"),
            item,
            code=code,
        )
        return Rule("manual")
    if isinstance(raw, str):
        rule = Rule(raw.strip())
    elif isinstance(raw, Place):
        kind = raw.get("type")
        if not isinstance(kind, str) or not kind:
            b.add("error", _("the rule of criterion %(code)s needs a “type”"), raw, code=code)
            return None
        rule = Rule(kind.strip(), {k: v for k, v in raw.items() if k != "type"})
    else:
        b.add(
            "error",
            _("the rule of criterion %(code)s must be a name or a mapping with “type”"),
            item,
            "rule",
            code,
        )
        return None
    typed, problems = check_rule(rule, maximum, fields)
    where = raw if isinstance(raw, Place) else item
    for problem in problems:
        line, cell = where.place("rule" if where is item else None)
        b.problems.append(
            Problem(
                problem.level, problem.template, problem.params, code=code, line=line, cell=cell
            )
        )
    return typed if not problems else None


def _check_parent(b: _Builder, node: Criterion, item: Place) -> None:
    children_sum = node.effective_max
    if node.max is None:
        b.add(
            "note",
            _(
                "criterion %(code)s has no maximum printed; it is the sum of its sub-criteria, %(sum)s"
            ),
            item,
            code=node.code,
            sum=children_sum,
        )
    elif node.max != children_sum:
        b.add(
            "warning",
            _(
                "criterion %(code)s is printed with %(max)s points but its sub-criteria carry %(sum)s"
            ),
            item,
            "max",
            node.code,
            max=node.max,
            sum=children_sum,
        )
    if node.announced_max is not None and node.announced_max != children_sum:
        b.add(
            "warning",
            _(
                "criterion %(code)s is announced as %(announced)s points but its sub-criteria carry %(sum)s"
            ),
            item,
            "announced_max",
            node.code,
            announced=node.announced_max,
            sum=children_sum,
        )


def _check_totals(b: _Builder, framework: Framework, document: Place) -> None:
    tree_total = framework.max
    if framework.total is None:
        b.add(
            "note",
            _("the framework states no total; its criteria carry %(sum)s points"),
            document,
            sum=tree_total,
        )
    elif framework.total != tree_total:
        b.add(
            "warning",
            _("the stated total is %(total)s points but the criteria carry %(sum)s"),
            document,
            "total",
            total=framework.total,
            sum=tree_total,
        )
    announced = [r.announced_max for r in framework.criteria if r.announced_max is not None]
    # Compared only when every pillar has announced points: a partial list cannot add up.
    if announced and len(announced) == len(framework.criteria) and framework.total is not None:
        announced_sum = sum(announced, ZERO)
        if announced_sum != framework.total:
            b.add(
                "warning",
                _(
                    "the points announced for the pillars add up to %(sum)s, not the stated total %(total)s"
                ),
                document,
                "total",
                sum=announced_sum,
                total=framework.total,
            )


# ---------------------------------------------------------------- writing


def to_document(framework: Framework) -> dict[str, Any]:
    """The framework as plain data in the file format's order (for YAML or a spreadsheet)."""
    doc: dict[str, Any] = {"code": framework.code, "name": framework.name, "level": framework.level}
    if framework.year is not None:
        doc["year"] = framework.year
    if framework.legal_basis:
        doc["legal_basis"] = dict(framework.legal_basis)
    if framework.total is not None:
        doc["total"] = framework.total
    doc["not_applicable"] = framework.na_policy
    if framework.description:
        doc["description"] = framework.description
    if framework.bands:
        doc["classification"] = [{"label": band.label, "min": band.min} for band in framework.bands]
    if framework.general_fields:
        doc["general_info"] = [_field_document(f) for f in framework.general_fields]
    doc["criteria"] = [_node_document(node) for node in framework.criteria]
    return doc


def _field_document(f: GeneralField) -> dict[str, Any]:
    out: dict[str, Any] = {"key": f.key}
    if f.number:
        out["number"] = f.number
    out["label"] = f.label
    out["type"] = f.type
    for key in ("unit", "section"):
        if getattr(f, key):
            out[key] = getattr(f, key)
    return out


def rule_document(rule: Rule | None) -> Any:
    if rule is None:
        return None
    if not rule.params:
        return rule.type
    return {"type": rule.type, **rule.params}


def _node_document(node: Criterion) -> dict[str, Any]:
    out: dict[str, Any] = {"code": node.printed, "title": node.title}
    if node.max is not None:
        out["max"] = node.max
    if node.announced_max is not None:
        out["announced_max"] = node.announced_max
    if node.is_leaf and node.rule is not None:
        out["rule"] = rule_document(node.rule)
    for key in ("na_allowed",):
        if getattr(node, key):
            out[key] = True
    for key in ("evidence", "notes", "lead", "coordinating"):
        if getattr(node, key):
            out[key] = getattr(node, key)
    if node.children:
        out["children"] = [_node_document(child) for child in node.children]
    return out


class _Dumper(yaml.SafeDumper):
    pass


def _represent_decimal(dumper: _Dumper, value: Decimal) -> yaml.ScalarNode:
    text = plain(value)
    if "." in text:
        return dumper.represent_scalar("tag:yaml.org,2002:float", text)
    return dumper.represent_int(int(text))


def _represent_str(dumper: _Dumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(Place, _Dumper.represent_dict)


def dump_yaml(framework: Framework) -> str:
    """The framework as a framework file; loading it back gives the same framework."""
    header = f"# {framework.name}\n# DTI framework file — format: docs/framework-format.md\n"
    body = yaml.dump(
        to_document(framework), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110
    )
    return header + body
