"""Where the command line finds a framework: a file, a built-in code, or the database."""

from __future__ import annotations

from pathlib import Path

from django.db import DatabaseError

from dti.frameworks.fileformat import LoadResult, builtin_path, load_file
from dti.scoring.problems import Problem, gettext_noop


def load_source(source: str, strict: bool = False, database: bool = True) -> LoadResult:
    """Load FILE_OR_CODE: a framework file if one exists at that path, else a code."""
    path = Path(source)
    if path.is_file():
        return load_file(path, strict=strict)
    builtin = builtin_path(source)
    if database:
        from dti.frameworks.models import Framework
        from dti.frameworks.store import revalidate

        try:
            stored = Framework.objects.filter(code=source).order_by("-version").first()
        except DatabaseError:  # no database yet: fall back to the built-in files
            stored = None
        if stored is not None:
            result = revalidate(stored)
            if strict:
                result.problems = [
                    p.with_level("error") if p.level == "warning" else p for p in result.problems
                ]
                if result.errors:
                    result.framework = None
            return result
    if builtin is not None:
        return load_file(builtin, strict=strict)
    return LoadResult(
        None,
        [
            Problem(
                "error",
                gettext_noop("there is no file “%(source)s” and no framework with that code"),
                {"source": source},
            )
        ],
    )
