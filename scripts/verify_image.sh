#!/usr/bin/env bash
# Build what the Dockerfile builds, without docker, and prove it serves: the production path exercised.
#
#   scripts/verify_image.sh            # ~1-2 min with a warm pip cache / local wheels
#
# The Dockerfile's steps, in its order, in a throw-away directory:
#   1. a clean Python 3.11 virtualenv (the image's python:3.11-slim), `pip install .` with only
#      pyproject.toml + README.md present (the image's dependency layer);
#   2. the build context as docker sees it (.dockerignore honoured) copied over it (`COPY . .`);
#   3. `collectstatic --noinput` under config.settings.production with a throw-away secret;
#   4. `manage.py check --deploy --fail-level WARNING` with a real random secret;
#   5. gunicorn config.wsgi (the image's CMD, 2 workers) on a free local port, answering GET /healthz
#      with 200 and {"database": "ok"} (behind the proxy header the production settings expect), and
#      serving a hashed static file through whitenoise.
# DATABASE_URL / REDIS_URL are passed through when set (CI exports PostgreSQL and Redis); otherwise the
# image's default SQLite file under its own var/ is used. Exits non-zero on any failure.
# .ci/run calls `docker build` instead when a docker engine answers, and this script otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PY:-python3.11}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/bangban-image.XXXXXX")"
APP="$WORK/app"
VENV="$WORK/venv"
GUNICORN_PID=""
started=$(date +%s)
step() { echo "=== verify_image [$(( $(date +%s) - started ))s] $*"; }

cleanup() {
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill "$GUNICORN_PID" 2>/dev/null || true
        wait "$GUNICORN_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

step "clean virtualenv ($PY) in $WORK"
"$PY" -m venv "$VENV"
mkdir -p "$APP"

step "pip install . (dependency layer: pyproject.toml + README.md only)"
cp "$ROOT/pyproject.toml" "$ROOT/README.md" "$APP/"
(cd "$APP" && "$VENV/bin/pip" install -q .)

step "COPY . . (the build context minus .dockerignore)"
excludes=()
while IFS= read -r pattern; do
    pattern="${pattern%%#*}"
    pattern="$(echo "$pattern" | xargs)"
    [ -z "$pattern" ] && continue
    excludes+=("--exclude=${pattern#\*\*/}")
done < "$ROOT/.dockerignore"
tar -C "$ROOT" "${excludes[@]}" -cf - . | tar -C "$APP" -xf -
[ ! -e "$APP/.venv" ] && [ ! -e "$APP/.git" ] || { echo "verify_image: .dockerignore not applied" >&2; exit 1; }

export DJANGO_SETTINGS_MODULE=config.settings.production
export BANGBAN_VAR_DIR="$APP/var"
export PYTHONDONTWRITEBYTECODE=1
cd "$APP"

secret="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))')"
step "collectstatic --noinput"
DJANGO_SECRET_KEY="$secret" "$VENV/bin/python" manage.py collectstatic --noinput -v 0
mkdir -p "$APP/var/media"

export DJANGO_SECRET_KEY="$secret"

step "manage.py check --deploy --fail-level WARNING"
"$VENV/bin/python" manage.py check --deploy --fail-level WARNING

port="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
step "gunicorn config.wsgi on 127.0.0.1:$port (the image's CMD)"
"$VENV/bin/gunicorn" config.wsgi --bind "127.0.0.1:$port" --workers 2 --log-level warning &
GUNICORN_PID=$!

body=""
code=""
for _ in $(seq 1 60); do
    # the production settings redirect plain http to https unless the proxy says it terminated TLS
    if code="$(curl -s -o "$WORK/healthz.json" -w '%{http_code}' -H 'X-Forwarded-Proto: https' \
        "http://127.0.0.1:$port/healthz")" && [ "$code" != "000" ]; then
        break
    fi
    kill -0 "$GUNICORN_PID" 2>/dev/null || { echo "verify_image: gunicorn exited" >&2; exit 1; }
    sleep 0.5
done
body="$(cat "$WORK/healthz.json" 2>/dev/null || true)"
echo "GET /healthz -> $code $body"
[ "$code" = 200 ] || { echo "verify_image: /healthz answered $code" >&2; exit 1; }
echo "$body" | "$VENV/bin/python" -c 'import json, sys; b = json.load(sys.stdin); sys.exit(b.get("database") != "ok")' \
    || { echo "verify_image: database not ok" >&2; exit 1; }

step "a hashed static file through whitenoise"
static="$("$VENV/bin/python" -c 'import json; m = json.load(open("var/staticfiles/staticfiles.json")); print(m["paths"]["css/mobile.css"])')"
scode="$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$port/static/$static")"
echo "GET /static/$static -> $scode"
[ "$scode" = 200 ] || { echo "verify_image: static file answered $scode" >&2; exit 1; }

step "image verified"
