#!/usr/bin/env bash
# Load script for the budgets of DESIGN §5 that need a second process:
#   - lesson page throughput against nginx serving the same bytes (gzip on,
#     the same level), both on loopback, both measured by wrk, in the same
#     run: the anonymous page (budget: at least 0.9 of nginx) and a
#     signed-in learner's page (budget: at least 0.5). The app serves its
#     shared pages precompressed while that nginx compresses per request,
#     so nginx serving the file precompressed (gzip_static, the app's own
#     gzip bytes) is measured too, as a stricter reference;
#   - the server's resident memory while 500 clients are connected.
# The machine's load average is printed with the numbers: on a shared
# machine they mean little without it.
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
# nginx's workers run as another user when started by root: they must be
# able to read the pages (else every answer is a 403, measured as if it
# were the page).
chmod 0755 "$tmp"
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

mkdir "$tmp/www" "$tmp/www-gz"
curl -sf "http://127.0.0.1:18080$lesson" -o "$tmp/www/lesson.html"
cp "$tmp/www/lesson.html" "$tmp/www-gz/lesson.html"
curl -sf -H 'Accept-Encoding: gzip' "http://127.0.0.1:18080$lesson" -o "$tmp/www-gz/lesson.html.gz"
gz=$(wc -c <"$tmp/www-gz/lesson.html.gz")
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
  # The same page precompressed (our own gzip bytes), as the app serves it.
  server { listen 127.0.0.1:18082; root $tmp/www-gz; gzip_static on; }
}
CONF
nginx -c "$tmp/nginx.conf"
sleep 0.5
curl -sf http://127.0.0.1:18081/lesson.html | cmp -s - "$tmp/www/lesson.html" ||
  { echo "nginx does not serve the page" >&2; cat "$tmp/nginx-error.log" >&2; exit 1; }
curl -sf -H 'Accept-Encoding: gzip' http://127.0.0.1:18082/lesson.html | cmp -s - "$tmp/www-gz/lesson.html.gz" ||
  { echo "nginx does not serve the precompressed page (gzip_static)" >&2; cat "$tmp/nginx-error.log" >&2; exit 1; }
# rps prints requests per second and the 99th percentile latency; a run
# with any answer but a 2xx is an error, not a measurement.
rps() { local url=$1 conns=$2; shift 2
  wrk -t2 -c"$conns" -d"$duration" -H 'Accept-Encoding: gzip' "$@" --latency "$url" |
    awk '/Non-2xx/ {print "wrk: " $0 > "/dev/stderr"; bad=1} /Requests\/sec/ {rps=$2} / 99%/ {p99=$2}
      END {if (bad) exit 1; print rps, p99}'; }
rps "http://127.0.0.1:18080$lesson" 64 >/dev/null # warm up both before measuring
rps "http://127.0.0.1:18081/lesson.html" 64 >/dev/null
rps "http://127.0.0.1:18082/lesson.html" 64 >/dev/null
# A signed-in learner: register through the form, as a phone does.
jar="$tmp/jar"
curl -sf -c "$jar" http://127.0.0.1:18080/register -o "$tmp/register.html"
form=$(grep -o 'name="_form" value="[^"]*"' "$tmp/register.html" | cut -d'"' -f4)
commune=$(grep -o '<option value="[0-9][0-9]*"' "$tmp/register.html" | head -1 | cut -d'"' -f2)
curl -sf -b "$jar" -c "$jar" -o /dev/null --data-urlencode "name=Người Đo Tải" -d "birth_year=1960" \
  -d "commune=$commune" -d "consent=yes" -d "_form=$form" http://127.0.0.1:18080/register
sid=$(awk '$6 == "sid" {print $7}' "$jar")
[ -n "$sid" ] || { echo "could not sign a learner in" >&2; exit 1; }
curl -sf -H "Cookie: sid=$sid" "http://127.0.0.1:18080$lesson" -o "$tmp/mine.html"
grep -q 'Người Đo Tải' "$tmp/mine.html" || { echo "the signed-in page is not the learner's" >&2; exit 1; }
rps "http://127.0.0.1:18080$lesson" 64 -H "Cookie: sid=$sid" >/dev/null # warm up

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores; wrk shares them)"
read -r ng ngp99 < <(rps "http://127.0.0.1:18081/lesson.html" 64)
read -r ngs ngsp99 < <(rps "http://127.0.0.1:18082/lesson.html" 64)
read -r us usp99 < <(rps "http://127.0.0.1:18080$lesson" 64)
read -r me mep99 < <(rps "http://127.0.0.1:18080$lesson" 64 -H "Cookie: sid=$sid")
for v in "$ng" "$ngs" "$us" "$me"; do [ -n "$v" ] || { echo "a measurement failed (see above)" >&2; exit 1; }; done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo "nginx, static file:        $ng requests/s, p99 $ngp99"
echo "nginx, gzip_static:        $ngs requests/s, p99 $ngsp99 (reference: the file precompressed)"
echo "kynangso, anonymous:       $us requests/s, p99 $usp99"
echo "kynangso, signed-in:       $me requests/s, p99 $mep99"
awk -v a="$us" -v b="$ng" 'BEGIN { printf "anonymous ratio: %.2f of nginx (budget: at least 0.90)\n", a / b }'
awk -v a="$me" -v b="$ng" 'BEGIN { printf "signed-in ratio: %.2f of nginx (budget: at least 0.50)\n", a / b }'
awk -v a="$us" -v m="$me" -v b="$ngs" 'BEGIN { printf "against gzip_static: anonymous %.2f, signed-in %.2f\n", a / b, m / b }'

wrk -t2 -c500 -d"$duration" -H 'Accept-Encoding: gzip' "http://127.0.0.1:18080$lesson" >/dev/null &
load=$!
peak=0
while kill -0 $load 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' /proc/$app/status)
  [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 0.2
done
echo "resident memory under 500 concurrent clients: peak $(( peak / 1024 )) MB (budget: 100 MB)"
