#!/usr/bin/env bash
# Load script for the budgets of DESIGN §5 that need a second process:
#   - lesson page throughput against nginx serving the same bytes (gzip on,
#     the same level), both on loopback, both measured by wrk;
#   - the server's resident memory while 500 clients are connected.
# Needs Debian's wrk and nginx (apt install wrk nginx-light). Prints numbers;
# changes nothing outside a temporary folder. Not part of `make test`:
# timings depend on the machine, so they are reported, not asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { echo "load.sh needs $tool (apt install wrk nginx-light)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'kill $app 2>/dev/null || true; nginx -c "$tmp/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$tmp"' EXIT
duration=${DURATION:-10s}
lesson=${LESSON:-/modules/e-payment/tra-tien-bang-vietqr}

go build -o "$tmp/kynangso" ./cmd/kynangso
start=$(date +%s%N)
"$tmp/kynangso" serve --demo --db "$tmp/k.db" --addr 127.0.0.1:18080 --log-level warn >"$tmp/out" 2>"$tmp/err" &
app=$!
until curl -sf http://127.0.0.1:18080/healthz >/dev/null; do sleep 0.05; done
echo "start-up with demo data, to healthy: $(( ($(date +%s%N) - start) / 1000000 )) ms"
kill $app; wait $app 2>/dev/null || true
start=$(date +%s%N)
"$tmp/kynangso" serve --db "$tmp/k.db" --addr 127.0.0.1:18080 --log-level warn >"$tmp/out" 2>"$tmp/err" &
app=$!
until curl -sf http://127.0.0.1:18080/healthz >/dev/null; do sleep 0.01; done
echo "start-up of an existing database, to healthy: $(( ($(date +%s%N) - start) / 1000000 )) ms"

mkdir "$tmp/www"
curl -sf "http://127.0.0.1:18080$lesson" -o "$tmp/www/lesson.html"
gz=$(curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:18080$lesson" | wc -c)
echo "lesson page: $(wc -c <"$tmp/www/lesson.html") bytes, $gz bytes gzip"
cat >"$tmp/nginx.conf" <<CONF
worker_processes 2;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  types { text/html html; }
  gzip on; gzip_comp_level 5; gzip_min_length 1024;
  server { listen 127.0.0.1:18081; root $tmp/www; location / { try_files \$uri /lesson.html; } }
}
CONF
nginx -c "$tmp/nginx.conf"
sleep 0.5
rps() { wrk -t2 -c"$2" -d"$duration" -H 'Accept-Encoding: gzip' --latency "$1" | awk '/Requests\/sec/ {print $2} / 99%/ {p99=$2} END {print p99}' | paste -sd' '; }
rps "http://127.0.0.1:18080$lesson" 64 >/dev/null # warm up both before measuring
rps "http://127.0.0.1:18081/lesson.html" 64 >/dev/null
read -r ng ngp99 < <(rps "http://127.0.0.1:18081/lesson.html" 64)
read -r us usp99 < <(rps "http://127.0.0.1:18080$lesson" 64)
echo "nginx, static file:  $ng requests/s, p99 $ngp99"
echo "kynangso, lesson:    $us requests/s, p99 $usp99"
awk -v a="$us" -v b="$ng" 'BEGIN { printf "ratio: %.0f%% of nginx (budget: at least 50%%)\n", 100 * a / b }'

wrk -t2 -c500 -d"$duration" -H 'Accept-Encoding: gzip' "http://127.0.0.1:18080$lesson" >/dev/null &
load=$!
peak=0
while kill -0 $load 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' /proc/$app/status)
  [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 0.2
done
echo "resident memory under 500 concurrent clients: peak $(( peak / 1024 )) MB (budget: 100 MB)"
