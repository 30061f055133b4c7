# Sourced by scripts/test.sh and bench/queue-latency.sh: installs what is missing and starts, on 127.0.0.1,
# a throwaway PostgreSQL (apt) and s3rver, an S3-compatible server (npm; Node.js from apt). Exports
# GANSERVICE_TEST_POSTGRES and GANSERVICE_TEST_S3 and stops both (and removes their data) on exit.
# The caller must not set its own EXIT trap; it can add work to ganservice_cleanup_hooks instead.

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

pg_bin=$(find_pg_bin)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "==> Installing PostgreSQL from apt"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin=$(find_pg_bin)
fi

s3rver_version=3.7.1
s3rver_home="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/ganservice/s3rver"
s3rver_js="$s3rver_home/node_modules/s3rver/bin/s3rver.js"
installed_s3rver() { node -p "require('$s3rver_home/node_modules/s3rver/package.json').version" 2>/dev/null || true; }

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "==> Installing Node.js and npm from apt"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
if [ "$(installed_s3rver)" != "$s3rver_version" ]; then
  echo "==> Installing s3rver $s3rver_version from npm into $s3rver_home"
  mkdir -p "$s3rver_home"
  npm install --prefix "$s3rver_home" --no-audit --no-fund --loglevel=error "s3rver@$s3rver_version" >/dev/null
fi

# free_port FIRST LAST: the first port in the range that nothing listens on.
free_port() {
  local port
  for port in $(seq "$1" "$2"); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  echo "no free port between $1 and $2" >&2; return 1
}

# initdb refuses to run as root, so the cluster belongs to 'postgres' when we are root.
pg_dir=$(mktemp -d /tmp/ganservice-pg.XXXXXX)
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"
pg_port=$(free_port 55432 55532)
s3_dir=$(mktemp -d /tmp/ganservice-s3.XXXXXX)
s3_pid=

ganservice_cleanup_hooks=()
cleanup() {
  local hook
  for hook in "${ganservice_cleanup_hooks[@]}"; do "$hook" || true; done
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  if [ -n "$s3_pid" ]; then kill "$s3_pid" 2>/dev/null || true; wait "$s3_pid" 2>/dev/null || true; fi
  rm -rf "$pg_dir" "$s3_dir"
}
trap cleanup EXIT

echo "==> Starting PostgreSQL on 127.0.0.1:$pg_port"
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
export GANSERVICE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Pooling=true"

# s3rver answers any HTTP request (403 without a signature); an answer means it is up.
s3_answers() (
  exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
  printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  IFS= read -r -t 2 line <&3 || true
  [[ "${line:-}" == HTTP/* ]]
)

s3_port=$(free_port 59000 59100)
echo "==> Starting s3rver $s3rver_version on 127.0.0.1:$s3_port"
mkdir -p "$s3_dir/data"
# s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17) only offers
# through its legacy provider: without it every truncated listing answers 500.
# scripts/s3rver-guard.js keeps it up through its own unhandled stream errors (see there).
node_flags=()
node --openssl-legacy-provider -e 0 >/dev/null 2>&1 && node_flags=(--openssl-legacy-provider)
node "${node_flags[@]}" --require "$PWD/scripts/s3rver-guard.js" "$s3rver_js" --directory "$s3_dir/data" --address 127.0.0.1 --port "$s3_port" --silent >"$s3_dir/s3rver.log" 2>&1 &
s3_pid=$!
for _ in $(seq 1 100); do
  s3_answers "$s3_port" 2>/dev/null && break
  if ! kill -0 "$s3_pid" 2>/dev/null; then echo "s3rver exited:" >&2; cat "$s3_dir/s3rver.log" >&2; exit 1; fi
  sleep 0.2
done
s3_answers "$s3_port" 2>/dev/null || { echo "s3rver did not answer on port $s3_port" >&2; cat "$s3_dir/s3rver.log" >&2; exit 1; }
# s3rver's built-in credentials are S3RVER / S3RVER. Each test creates a bucket of its own.
export GANSERVICE_TEST_S3="ServiceUrl=http://127.0.0.1:$s3_port;AccessKey=S3RVER;SecretKey=S3RVER"

# The outage tests start private servers of their own (they stop and restart them; the shared ones above serve
# other tests at the same time): the s3rver command line, one argument a line (node, its flags, the guard, s3rver.js),
# and PostgreSQL's bin folder. As root, initdb and pg_ctl must run as 'postgres' (runuser), as above.
GANSERVICE_TEST_S3RVER_COMMAND=$(printf '%s\n' node "${node_flags[@]}" --require "$PWD/scripts/s3rver-guard.js" "$s3rver_js")
export GANSERVICE_TEST_S3RVER_COMMAND
export GANSERVICE_TEST_PG_BIN="$pg_bin"

