#!/usr/bin/env python
"""Django's command-line utility, for developers; users have the `dti` command."""

import sys

from dti.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
