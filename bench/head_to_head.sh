#!/bin/bash
# Two checkouts of the site served at once on one database, loaded in turn:
# the remembered feed and /healthz of each, round after round, so that both
# meet the same moments of a shared machine.
#
#   bench/head_to_head.sh OLD_CHECKOUT NEW_CHECKOUT DATABASE_URL [ROUNDS] [PORT]
#
# Each checkout needs its .venv (a symlink to this one's will do), static/vendor
# and the compiled catalog. gunicorn as bench/wrk.py starts it (2 workers × 4
# threads, SO_REUSEPORT) on PORT and PORT+1 (5711 and 5712 by default); wrk
# with 12 connections, 3 s on /healthz then 5 s on /en/ per checkout and round.
set -eu
old=$1 new=$2 url=$3 rounds=${4:-4} port=${5:-5711}
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for n in 0 1; do
    dir=$([ $n = 0 ] && echo "$old" || echo "$new")
    (cd "$dir" && DATABASE_URL=$url SECRET_KEY=bench APP_ENV=production SITE_URL=http://127.0.0.1:$((port + n)) \
        exec .venv/bin/gunicorn --reuse-port --worker-class gthread --workers 2 --threads 4 \
        --bind 127.0.0.1:$((port + n)) 'app:create_app()' >/dev/null 2>&1) &
    pids+=($!)
done
for n in 0 1; do
    for _ in $(seq 60); do curl -sf -o /dev/null "http://127.0.0.1:$((port + n))/en/" && break; sleep 0.5; done
done
rps() { wrk -t2 -c12 -d"$1"s "$2" | awk '/Requests\/sec/ {print $2}'; }
echo "round | checkout | /healthz req/s | feed remembered req/s | load average"
for round in $(seq "$rounds"); do
    for n in 0 1; do
        base=http://127.0.0.1:$((port + n))
        echo "$round | $([ $n = 0 ] && echo old || echo new) | $(rps 3 $base/healthz) | $(rps 5 $base/en/) | $(cut -d' ' -f1 /proc/loadavg)"
    done
done
