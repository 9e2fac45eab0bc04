#!/usr/bin/env bash
# Runs the web server, a Celery worker and Celery beat together (what `make run` ends with).
# Each child gets its own process group (set -m) so that stopping one also stops its own children
# (runserver's autoreloader, the worker's pool). Ctrl-C / SIGTERM, or any one of them exiting, stops all.
set -uo pipefail
set -m

BIN="${BIN:-.venv/bin}"
HOST_PORT="${BANGBAN_ADDR:-127.0.0.1:8000}"
VAR="${BANGBAN_VAR_DIR:-var}"
mkdir -p "$VAR/celery/queue" "$VAR/celery/processed" "$VAR/celery/heartbeat"

pids=()
stopping=0

stop_all() {
    [ "$stopping" = 1 ] && return
    stopping=1
    echo "run_all: stopping web, worker and beat..." >&2
    # First the leaders only: Celery then does its warm shutdown and stops its own pool.
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 50); do
        alive=0
        for pid in "${pids[@]}"; do
            kill -0 "$pid" 2>/dev/null && alive=1
        done
        [ "$alive" = 0 ] && break
        sleep 0.2
    done
    # Then whatever is left in their groups (runserver's autoreload child, a stuck pool process).
    for pid in "${pids[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    sleep 0.5
    for pid in "${pids[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
}
trap '' PIPE  # a closed terminal or pipe must not cut the shutdown short
# Ctrl-C is how a person ends `make run`: a clean stop, exit 0 (130 made make print "Error 130").
trap 'stop_all; echo "run_all: stopped." >&2; exit 0' INT
trap 'stop_all; exit 143' TERM

"$BIN/celery" -A config worker --loglevel=INFO --concurrency=2 --hostname "bangban@%h" &
pids+=($!)
"$BIN/celery" -A config beat --loglevel=INFO &
pids+=($!)
"$BIN/python" manage.py runserver "$HOST_PORT" &
pids+=($!)

echo "run_all: web http://$HOST_PORT/ (pid ${pids[2]}), worker (pid ${pids[0]}), beat (pid ${pids[1]}); Ctrl-C stops all" >&2

# Whichever ends first (a crash, or a signal), stop the others too.
wait -n
status=$?
stop_all
exit "$status"
