#!/usr/bin/env bash
# Checks deploy/docker-compose.yml, Dockerfile and Dockerfile.gpu without a Docker engine (none is
# needed, none is started, no image is pulled or built). Exits non-zero when a check fails.
#
# Tools, installed when missing:
#   dclint            compose-spec JSON schema validation plus lint rules (npm, into .tools/npm)
#   dockerfile-utils  Dockerfile parser and linter behind VS Code's Dockerfile checks (npm, same place)
#   a compose CLI     `docker compose` when the plugin is there, else docker-compose (Debian's apt);
#                     `config` resolves .env variables, anchors and references without an engine.
# Not part of scripts/test.sh: run it by hand after changing the deployment files.
set -euo pipefail
cd "$(dirname "$0")/.."

DCLINT_VERSION=3.1.0
DOCKERFILE_UTILS_VERSION=0.16.3
TOOLS="$PWD/.tools/npm"          # ignored by git
BIN="$TOOLS/node_modules/.bin"
COMPOSE_FILE=deploy/docker-compose.yml

failures=0
step() { printf '\n== %s\n' "$*"; }
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- tools ----------------------------------------------------------------------------------------
step "tools"
if [[ "$("$BIN/dclint" --version 2>/dev/null || true)" != "$DCLINT_VERSION" ]] ||
   [[ "$("$BIN/dockerfile-utils" --version 2>/dev/null || true)" != *" $DOCKERFILE_UTILS_VERSION "* ]]; then
  command -v npm >/dev/null || { echo "npm is needed: apt-get install -y nodejs npm" >&2; exit 2; }
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error \
    "dclint@$DCLINT_VERSION" "dockerfile-utils@$DOCKERFILE_UTILS_VERSION" >/dev/null
fi
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  if ! command -v docker-compose >/dev/null; then
    command -v apt-get >/dev/null || { echo "need 'docker compose' or docker-compose" >&2; exit 2; }
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq docker-compose >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && apt-get install -y -qq docker-compose >/dev/null; }
  fi
  compose=(docker-compose)
fi
echo "dclint $("$BIN/dclint" --version), $("$BIN/dockerfile-utils" --version), $("${compose[@]}" version | head -1)"

# ---- compose file ------------------------------------------------------------------------------------
# deploy/dclint.json turns off the ordering rules (the file is in start-up order, not alphabetical)
# and require-project-name-field (the name comes from COMPOSE_PROJECT_NAME in .env, because
# docker-compose 1.x, the fallback here, rejects a top-level `name`).
step "dclint: YAML, compose-spec schema, lint rules (deploy/dclint.json)"
if "$BIN/dclint" --no-color -c deploy/dclint.json --max-warnings 0 "$COMPOSE_FILE"; then
  ok "$COMPOSE_FILE"
else
  fail "dclint $COMPOSE_FILE"
fi

step "${compose[*]} config: variables, anchors, depends_on targets"
# The example with a dummy for every empty (secret) value must resolve...
sed -E 's/^([A-Za-z0-9_]+)=$/\1=dummy-\1/' deploy/.env.example >"$tmp/env"
if "${compose[@]}" --env-file "$tmp/env" -f "$COMPOSE_FILE" config -q; then
  ok "resolves with deploy/.env.example and the secrets filled in"
else
  fail "${compose[*]} config with the filled-in example"
fi
# ...and the example as it is must not: the secrets have no defaults.
if "${compose[@]}" --env-file deploy/.env.example -f "$COMPOSE_FILE" config -q >/dev/null 2>&1; then
  fail "compose accepts deploy/.env.example with empty secrets"
else
  ok "refused while a secret is empty"
fi

step "minio-init script: sh -n"
node -e '
  const YAML = require(process.argv[1]);
  const doc = YAML.parse(require("fs").readFileSync(process.argv[2], "utf8"), { merge: true });
  process.stdout.write(doc.services["minio-init"].command[0].replaceAll("$$", "$"));
' "$TOOLS/node_modules/yaml" "$COMPOSE_FILE" >"$tmp/minio-init.sh"
if sh -n "$tmp/minio-init.sh"; then ok "parses"; else fail "minio-init script does not parse"; fi

# ---- Dockerfiles -------------------------------------------------------------------------------------
for dockerfile in Dockerfile Dockerfile.gpu; do
  step "dockerfile-utils lint $dockerfile"
  if out=$("$BIN/dockerfile-utils" lint "$dockerfile" 2>&1) && [[ -z "$out" ]]; then
    ok "no errors or warnings"
  else
    echo "$out"
    fail "$dockerfile"
  fi

  step "$dockerfile: project files copied before restore"
  for project in src/*/*.csproj; do
    if grep -Eq "^COPY $project $(dirname "$project")/\$" "$dockerfile"; then
      ok "$project"
    else
      fail "$dockerfile does not copy $project before restore"
    fi
  done
done

# Instructions with their continuation lines joined.
joined() { sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$1"; }

step "restore and publish agree (publish --no-restore needs the same RID and TorchDevice)"
for dockerfile in Dockerfile Dockerfile.gpu; do
  for verb in restore publish; do
    if joined "$dockerfile" | grep -Eq "dotnet $verb .*-r linux-x64"; then
      ok "$dockerfile: dotnet $verb -r linux-x64"
    else
      fail "$dockerfile: dotnet $verb lacks -r linux-x64"
    fi
  done
done
for verb in restore publish; do
  if joined Dockerfile.gpu | grep -Eq "dotnet $verb .*-p:TorchDevice=cuda"; then
    ok "Dockerfile.gpu: dotnet $verb -p:TorchDevice=cuda"
  else
    fail "Dockerfile.gpu: dotnet $verb lacks -p:TorchDevice=cuda"
  fi
done
if joined Dockerfile | grep -v '^[[:space:]]*#' | grep -q "TorchDevice=cuda"; then
  fail "Dockerfile (API) must use the CPU libtorch"
else
  ok "Dockerfile: CPU libtorch"
fi

step "secrets stay out of git and out of images"
grep -qx 'deploy/.env' .gitignore && ok ".gitignore" || fail ".gitignore lacks deploy/.env"
grep -qx 'deploy/.env' .dockerignore && ok ".dockerignore" || fail ".dockerignore lacks deploy/.env"

echo
if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all deployment checks passed"
