#!/usr/bin/env bash
# Production drill on one machine (docs/部署与运维.md, 故障演练): the deploy/ topology from Debian packages —
# nginx (TLS) → two gunicorn app servers → pgbouncer → PostgreSQL primary + hot standby (pg_basebackup, streaming
# replication, heavy reads routed to it), Redis (cache, rate limits, queue), one huey consumer — then a bounded load
# of class health checks and parents' confirmations while it
#   1. SIGKILLs one app server and restarts it,  2. SIGKILLs the huey consumer and restarts it,
#   3. stops the standby (reads fall back to the primary),
# and verifies 0 lost and 0 duplicated submissions, every queued job done, the audit chain intact, 0 read errors.
# Finally a backup of the drill database is restored into a new database and checked.
#
#   bash scripts/prod-drill.sh            (make prod-drill)   DRILL_CHECKS=1500 DRILL_CONFIRMS=1500 DRILL_KEEP=1
#
# Everything lives in a temporary folder on ports 21000–21999 and is removed at the end (DRILL_KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || make install
CHECKS=${DRILL_CHECKS:-1500}
CONFIRMS=${DRILL_CONFIRMS:-1500}
THREADS=${DRILL_THREADS:-8}
STARTED=$(date +%s)
say() { printf '[%4ss] %s\n' "$(( $(date +%s) - STARTED ))" "$*"; }

# --- packages -------------------------------------------------------------------------------------------------------
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
ls -d /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || missing+=(postgresql)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then SUDO=(); elif sudo -n true 2>/dev/null; then SUDO=(sudo); else
    echo "缺少软件包：${missing[*]}。请先运行：sudo apt-get install -y ${missing[*]}" >&2; exit 1; fi
  say "installing ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

# --- layout ---------------------------------------------------------------------------------------------------------
BASE=${DRILL_PORT_BASE:-21000}
PG_PORT=$((BASE + 432)); STANDBY_PORT=$((BASE + 433)); BOUNCER_PORT=$((BASE + 632)); REDIS_PORT=$((BASE + 379))
APP1_PORT=$((BASE + 801)); APP2_PORT=$((BASE + 802)); HTTP_PORT=$((BASE + 80)); HTTPS_PORT=$((BASE + 443))
TMP=$(mktemp -d -t dudao-drill.XXXXXX)
chmod 755 "$TMP"
mkdir -p "$TMP"/{pg,nginx,tls,redis,var,bin,logs}
RUN_AS=()
if [ "$(id -u)" = "0" ]; then
  # PostgreSQL and pgbouncer refuse to run as root.
  PG_USER=postgres
  id "$PG_USER" >/dev/null 2>&1 || { PG_USER=dudao-pg; id "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"; }
  chown "$PG_USER" "$TMP/pg"
  RUN_AS=(runuser -u "$PG_USER" --)
fi

stop_pid() { [ -s "$1" ] && kill "${2:--TERM}" "$(cat "$1")" 2>/dev/null || true; }
cleanup() {
  set +e
  for app in 1 2; do [ -s "$TMP/app$app.pid" ] && kill -TERM "$(cat "$TMP/app$app.pid")" 2>/dev/null; done
  stop_pid "$TMP/huey.pid" -INT
  [ -s "$TMP/nginx/nginx.pid" ] && "$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -s stop 2>/dev/null
  stop_pid "$TMP/pgbouncer.pid"
  stop_pid "$TMP/redis/redis.pid"
  sleep 1
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$TMP/pg/standby" -m immediate stop >/dev/null 2>&1
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$TMP/pg/primary" -m immediate stop >/dev/null 2>&1
  if [ "${DRILL_KEEP:-0}" = "1" ]; then echo "kept: $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

# --- PostgreSQL primary and hot standby -----------------------------------------------------------------------------
say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'): primary on $PG_PORT"
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$TMP/pg/primary" -U dudao --auth=trust --encoding=UTF8 --no-locale >"$TMP/logs/initdb.log" 2>&1
cat >>"$TMP/pg/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$TMP/pg'
wal_level = replica
max_wal_senders = 5
wal_keep_size = 512MB
hot_standby = on
max_connections = 100
# The drill kills application processes, not the machine: no fsync needed for what it shows.
fsync = off
full_page_writes = off
EOF
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$TMP/pg/primary" -l "$TMP/pg/primary.log" -w -t 60 start >/dev/null
"${RUN_AS[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U dudao dudao

say "hot standby on $STANDBY_PORT (pg_basebackup, streaming replication)"
"${RUN_AS[@]}" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U dudao -D "$TMP/pg/standby" -R -X stream -c fast
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$TMP/pg/standby" -l "$TMP/pg/standby.log" -w -t 60 -o "-p $STANDBY_PORT" start >/dev/null
[ "$(psql -h 127.0.0.1 -p "$STANDBY_PORT" -U dudao -d dudao -Atc 'SELECT pg_is_in_recovery()')" = "t" ]

# --- pgbouncer and Redis --------------------------------------------------------------------------------------------
say "pgbouncer on $BOUNCER_PORT (transaction pooling), Redis on $REDIS_PORT"
echo '"dudao" ""' >"$TMP/pg/userlist.txt"
cat >"$TMP/pg/pgbouncer.ini" <<EOF
[databases]
dudao = host=127.0.0.1 port=$PG_PORT dbname=dudao
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir = $TMP/pg
auth_type = trust
auth_file = $TMP/pg/userlist.txt
pool_mode = transaction
default_pool_size = 20
max_client_conn = 500
server_reset_query =
server_login_retry = 1
ignore_startup_parameters = extra_float_digits,options
logfile = $TMP/pg/pgbouncer.log
pidfile = $TMP/pg/pgbouncer.pid
EOF
"${RUN_AS[@]}" "$PGBOUNCER" -d "$TMP/pg/pgbouncer.ini"
ln -sf "$TMP/pg/pgbouncer.pid" "$TMP/pgbouncer.pid"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$TMP/redis" --pidfile "$TMP/redis/redis.pid" \
  --logfile "$TMP/redis/redis.log" --save "" --appendonly yes >/dev/null
for _ in $(seq 50); do [ -s "$TMP/pg/pgbouncer.pid" ] && [ -s "$TMP/redis/redis.pid" ] && break; sleep 0.1; done

# --- the application's environment (deploy/dudao.env.example) ------------------------------------------------------
export DJANGO_SETTINGS_MODULE=dudao.settings
export DJANGO_SECRET_KEY="drill-$(openssl rand -hex 32)"
export DUDAO_CASE_KEYS="$("$PY" -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="))')"
export DUDAO_DEMO=1  # the demo city's data and logins; settings otherwise as in production
export DUDAO_VAR_DIR="$TMP/var"
export DATABASE_URL="postgres://dudao@127.0.0.1:$BOUNCER_PORT/dudao"
# The replica directly, not through the primary's pgbouncer: pgbouncer holds a query for a server that is down
# for query_wait_timeout (120 s) instead of failing it, so reads would hang instead of falling back.
export DATABASE_REPLICA_URL="postgres://dudao@127.0.0.1:$STANDBY_PORT/dudao"
export DUDAO_PGBOUNCER=1
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export DUDAO_ALLOWED_HOSTS="127.0.0.1,localhost"
export DUDAO_CSRF_TRUSTED_ORIGINS="https://127.0.0.1:$HTTPS_PORT"
export DUDAO_TRUSTED_PROXIES=1 DUDAO_PROXY_SSL_HEADER=1 DUDAO_SECURE_COOKIES=1
export DUDAO_LOG_LEVEL=WARNING
# Schools' notices (≈500 students) go through the queue, so the consumer has work when it is killed.
export DUDAO_NOTICE_SYNC_LIMIT=100
export DUDAO_WEB_WORKERS=2
# Parents' pages are rate-limited per address; the whole load comes from 127.0.0.1.
export DUDAO_NOTICE_OPENS_PER_MINUTE=100000

say "migrate, small demo city, drill data"
"$PY" manage.py migrate --noinput -v0
say "  demo city"
"$PY" manage.py demo --scale small >"$TMP/logs/demo.log" 2>&1
"$PY" manage.py collectstatic --noinput -v0
say "  drill data"
# The city's letter to every parent is written at once here (not through the queue).
DUDAO_NOTICE_SYNC_LIMIT=1000000 "$PY" scripts/prod_drill.py prepare "$TMP/plan.json" --checks "$CHECKS" \
  --confirms "$CONFIRMS" 2>>"$TMP/logs/prepare.log"

# --- app servers, consumer, nginx -----------------------------------------------------------------------------------
GUNICORN="$ROOT/.venv/bin/gunicorn"
for app in 1 2; do
  port_var="APP${app}_PORT"
  cat >"$TMP/bin/start-app$app.sh" <<EOF
cd "$ROOT"
# A SIGKILLed master leaves its pid file behind (and, without an init that reaps, a zombie that gunicorn would take
# for a running server): a supervisor starts afresh.
rm -f "$TMP/app$app.pid"
setsid "$GUNICORN" dudao.wsgi --bind 127.0.0.1:${!port_var} --pid "$TMP/app$app.pid" --error-logfile "$TMP/logs/app$app.log" --daemon
for _ in \$(seq 200); do curl -sf -o /dev/null http://127.0.0.1:${!port_var}/readyz && echo "app$app ready" && exit 0; sleep 0.1; done
echo "app$app did not start"; exit 1
EOF
  cat >"$TMP/bin/kill-app$app.sh" <<EOF
# SIGKILL the gunicorn master and its workers, by their process ids.
master=\$(cat "$TMP/app$app.pid")
workers=\$(pgrep -P "\$master" | tr '\n' ' ')
kill -KILL "\$master" \$workers
echo "killed app$app (master \$master, workers \$workers)"
EOF
done
cat >"$TMP/bin/start-huey.sh" <<EOF
cd "$ROOT"
setsid "$PY" manage.py run_huey --workers 2 --worker-type thread >>"$TMP/logs/huey.log" 2>&1 &
echo \$! >"$TMP/huey.pid"
echo "huey started (\$(cat "$TMP/huey.pid"))"
EOF
cat >"$TMP/bin/kill-huey.sh" <<EOF
pid=\$(cat "$TMP/huey.pid")
kill -KILL "\$pid"
echo "killed huey (\$pid) with \$(redis-cli -p $REDIS_PORT llen huey.redis.dudao) jobs queued"
EOF
cat >"$TMP/bin/enqueue.sh" <<EOF
cd "$ROOT" && "$PY" scripts/prod_drill.py enqueue "$TMP/plan.json" 2>/dev/null
EOF
cat >"$TMP/bin/stop-standby.sh" <<EOF
before=\$(psql -h 127.0.0.1 -p $STANDBY_PORT -U dudao -d dudao -Atc "SELECT xact_commit FROM pg_stat_database WHERE datname = 'dudao'")
${RUN_AS[*]} "$PG_BIN/pg_ctl" -D "$TMP/pg/standby" -m fast stop >/dev/null
echo "standby stopped after serving \$before transactions"
EOF
bash "$TMP/bin/start-app1.sh" && bash "$TMP/bin/start-app2.sh"
bash "$TMP/bin/start-huey.sh"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" -keyout "$TMP/tls/privkey.pem" \
  -out "$TMP/tls/fullchain.pem" >/dev/null 2>&1
# deploy/nginx/dudao.conf itself, with the drill's ports and paths.
sed -e "s/127.0.0.1:8001/127.0.0.1:$APP1_PORT/; s/127.0.0.1:8002/127.0.0.1:$APP2_PORT/" \
    -e "s/listen 443 ssl http2;/listen $HTTPS_PORT ssl http2;/; /listen \[::\]/d; s/listen 80;/listen $HTTP_PORT;/" \
    -e "s#/etc/ssl/dudao/#$TMP/tls/#; s#/var/log/nginx/#$TMP/nginx/#; s#/srv/dudao/app/#$ROOT/#" \
    -e "s#/etc/nginx/dudao_proxy.conf#$ROOT/deploy/nginx/dudao_proxy.conf#" \
    "$ROOT/deploy/nginx/dudao.conf" >"$TMP/nginx/dudao.conf"
cat >"$TMP/nginx/nginx.conf" <<EOF
$([ "$(id -u)" = "0" ] && echo "user root;")
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  include $TMP/nginx/dudao.conf;
}
EOF
"$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -t -q
"$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx"
URL="https://127.0.0.1:$HTTPS_PORT"
say "nginx on $HTTPS_PORT: /readyz $(curl -sk "$URL/readyz")"
static=$(curl -sk -o /dev/null -w '%{http_code}' "$URL/static/vendor/bootstrap/bootstrap.min.css")
[ "$static" = "200" ] || { echo "static files not served by nginx ($static)" >&2; exit 1; }

# --- load with faults -----------------------------------------------------------------------------------------------
say "load: $CHECKS checks + $CONFIRMS confirmations, $THREADS threads, reads on the replica beside them"
"$PY" scripts/prod_drill.py load "$TMP/plan.json" "$TMP/result.json" --url "$URL" --threads "$THREADS" \
  --fault "0.20=$TMP/bin/kill-app1.sh" --fault "0.30=$TMP/bin/start-app1.sh" \
  --fault "0.40=$TMP/bin/kill-huey.sh" --fault "0.42=$TMP/bin/enqueue.sh" --fault "0.55=$TMP/bin/start-huey.sh" \
  --fault "0.56=$TMP/bin/kill-huey.sh" --fault "0.60=$TMP/bin/start-huey.sh" \
  --fault "0.70=$TMP/bin/stop-standby.sh"
say "after the load: /readyz $(curl -sk "$URL/readyz")"

# --- verification ---------------------------------------------------------------------------------------------------
say "verify"
status=0
"$PY" scripts/prod_drill.py verify "$TMP/plan.json" "$TMP/result.json" 2>/dev/null || status=1
audit=$("$PY" manage.py audit_verify 2>/dev/null) || status=1
say "audit_verify: $audit"

say "backup of the drill database, restored into a new database"
t0=$(date +%s%3N)
"$PY" manage.py backup "$TMP/backup" 2>/dev/null || status=1
t1=$(date +%s%3N)
"${RUN_AS[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U dudao dudao_restored
# The restored installation has its own files and no Redis: its queued jobs must not join the live queue.
DATABASE_URL="postgres://dudao@127.0.0.1:$PG_PORT/dudao_restored" DATABASE_REPLICA_URL="" REDIS_URL="" \
  DUDAO_VAR_DIR="$TMP/restored" "$PY" manage.py restore "$TMP/backup" 2>/dev/null || status=1
t2=$(date +%s%3N)
say "backup $(du -sh "$TMP/backup" | cut -f1) in $(( (t1 - t0) / 1000 )).$(( (t1 - t0) % 1000 / 100 ))s, restore in $(( (t2 - t1) / 1000 )).$(( (t2 - t1) % 1000 / 100 ))s"

grep -h "Traceback" "$TMP"/logs/app*.log >/dev/null 2>&1 && say "note: tracebacks in the app logs ($TMP/logs)"
if [ "$status" = "0" ]; then say "DRILL PASSED"; else say "DRILL FAILED (DRILL_KEEP=1 keeps $TMP for a look)"; fi
exit "$status"
