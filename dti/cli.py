"""The `dti` command: DTI's management commands under one name.

    dti framework check FILE_OR_CODE [--json] [--strict]
    dti framework list | export | import
    dti score FRAMEWORK ANSWERS.yaml [--json]
    dti demo          load the built-in frameworks and the demo data
    dti serve         run DTI at http://127.0.0.1:8000
    dti backup        the database and the stored files in one archive
    dti restore FILE  restore such an archive into an empty database

Any Django management command works too (dti migrate, dti createsuperuser …).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dti.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:] if argv is None else argv
    try:
        execute_from_command_line(["dti", *args])
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
