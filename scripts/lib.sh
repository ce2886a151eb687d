# Shared by scripts/start and scripts/test: make the virtualenv and install DTI into it.
# Only Python 3.11 is needed on the machine; everything else comes from PyPI (and, for the
# browser tests, Debian's chromium package).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DTI_VENV:-$ROOT/.venv}"

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "DTI needs Python 3.11 (set PYTHON=/path/to/python3.11)." >&2
  return 1
}

# ensure_venv [dev]: create .venv and (re)install when pyproject.toml changed.
ensure_venv() {
  local extra="${1:-}" spec="." stamp
  [ "$extra" = "dev" ] && spec=".[dev]"
  if [ ! -x "$VENV/bin/python" ]; then
    "$(find_python)" -m venv "$VENV"
  fi
  stamp="$VENV/.installed-${extra:-base}-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "Installing DTI and its dependencies into $VENV …"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    (cd "$ROOT" && "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec")
    rm -f "$VENV"/.installed-"${extra:-base}"-*
    touch "$stamp"
  fi
}
