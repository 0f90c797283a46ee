# Shared set-up steps for ./golive. Sourced, not executed.
# Each step is idempotent and cheap when already done, so every command can run them all.

GOLIVE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GOLIVE_TOOLS="$GOLIVE_ROOT/.tools"
GOLIVE_NODE_VERSION="24.21.0"
GOLIVE_LIVEKIT_VERSION="1.13.5"
GOLIVE_VERSITYGW_VERSION="1.8.0"

log() { printf '\033[36m[golive]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[golive]\033[0m %s\n' "$*" >&2; exit 1; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Node 24 LTS: the system Node may be older (Debian ships end-of-life 20). The npm package
# node-linux-<arch> carries the official binary, so it installs through the npm registry alone.
ensure_node() {
  if [ "$(node_major)" -ge 22 ]; then return; fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no Node.js 24 package for $(uname -m); install Node.js >= 22.12 yourself" ;;
  esac
  local dir="$GOLIVE_TOOLS/node-$GOLIVE_NODE_VERSION"
  local bin="$dir/node_modules/node-linux-$arch/bin"
  if [ ! -x "$bin/node" ]; then
    command -v npm >/dev/null || die "npm is needed to fetch Node.js $GOLIVE_NODE_VERSION: apt-get install -y npm"
    log "installing Node.js $GOLIVE_NODE_VERSION into $dir"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund \
      "node-linux-$arch@$GOLIVE_NODE_VERSION" >/dev/null
  fi
  export PATH="$bin:$PATH"
  [ "$(node_major)" -ge 22 ] || die "Node.js $GOLIVE_NODE_VERSION did not install into $dir"
}

# Installs exactly the lockfile when it changed since the last install (stamp kept in
# node_modules). npm ci never rewrites package-lock.json, so a fresh checkout stays clean; it fails
# when package.json and the lockfile disagree (run npm install and commit the lockfile).
ensure_deps() {
  local stamp="$GOLIVE_ROOT/node_modules/.golive-lock-stamp"
  local want
  want="$(node -p 'process.version')-$(sha256sum "$GOLIVE_ROOT/package-lock.json" | cut -c1-16)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  log "installing npm packages"
  (cd "$GOLIVE_ROOT" && npm ci --no-audit --no-fund --prefer-offline) ||
    die "npm ci failed: if package.json changed, run npm install and commit package-lock.json"
  echo "$want" >"$stamp"
}

livekit_version_of() { "$1" --version 2>/dev/null | awk '{print $NF}'; }

# livekit-server: one already on PATH with the pinned version, or built from the Go module proxy
# into .tools/ (no cgo, no replace directives in v1.13.5).
ensure_livekit() {
  local onpath
  onpath="$(command -v livekit-server || true)"
  if [ -n "$onpath" ] && [ "$(livekit_version_of "$onpath")" = "$GOLIVE_LIVEKIT_VERSION" ]; then
    export GOLIVE_LIVEKIT_BIN="$onpath"
    return
  fi
  local dir="$GOLIVE_TOOLS/livekit-$GOLIVE_LIVEKIT_VERSION"
  if [ ! -x "$dir/livekit-server" ]; then
    command -v go >/dev/null || die "livekit-server $GOLIVE_LIVEKIT_VERSION is missing and Go is not installed to build it: install Go >= 1.24 or put livekit-server $GOLIVE_LIVEKIT_VERSION on PATH"
    log "building livekit-server $GOLIVE_LIVEKIT_VERSION from the Go module proxy (a few minutes, once)"
    mkdir -p "$dir"
    CGO_ENABLED=0 GOBIN="$dir" go install "github.com/livekit/livekit-server/cmd/server@v$GOLIVE_LIVEKIT_VERSION" ||
      die "go install of livekit-server failed"
    mv "$dir/server" "$dir/livekit-server"
  fi
  export GOLIVE_LIVEKIT_BIN="$dir/livekit-server"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2 i
  for i in $(seq 1 100); do
    if port_open "$port"; then return 0; fi
    sleep 0.1
  done
  die "$name did not open 127.0.0.1:$port"
}

# PostgreSQL and Redis for the test suite (the embedded default needs neither).
ensure_services() {
  if ! port_open 5432; then
    log "starting PostgreSQL"
    command -v pg_ctlcluster >/dev/null || die "PostgreSQL is not installed: apt-get install -y postgresql"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start ||
      die "could not start PostgreSQL; start it with: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start"
    wait_port 5432 PostgreSQL
  fi
  if ! port_open 6379; then
    log "starting Redis"
    command -v redis-server >/dev/null || die "Redis is not installed: apt-get install -y redis-server"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no ||
      die "could not start Redis; start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379"
    wait_port 6379 Redis
  fi
}

apt_install() {
  [ "$(id -u)" = 0 ] || die "installing $* needs root: sudo apt-get install -y $*"
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# The web app's production build (web/dist), which golive serves at /. Rebuilt only when a source
# is newer than the build, so an up-to-date start costs one find.
ensure_web_build() {
  local built="$GOLIVE_ROOT/web/dist/index.html" stale
  if [ -f "$built" ]; then
    stale="$(cd "$GOLIVE_ROOT" && find web/src web/index.html web/vite.config.ts web/package.json sdk/src react/src -newer "$built" -print -quit)"
    [ -z "$stale" ] && return
  fi
  log "building the web app"
  (cd "$GOLIVE_ROOT/web" && node ../node_modules/vite/bin/vite.js build --logLevel warn) ||
    die "building the web app failed; run npm run build -w web to see why"
}

# promtool (Debian's prometheus package) for the alert rules' tests (server/test/ops-rules.test.ts).
ensure_promtool() {
  if command -v promtool >/dev/null; then return; fi
  apt_install prometheus
  command -v promtool >/dev/null || die "promtool is still missing after apt-get install prometheus"
}

# Debian's Chromium for the browser suite (Playwright's own browser download cannot work offline).
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  apt_install chromium fonts-noto-color-emoji
}

# Debian's ffmpeg and ffprobe: the recorder encodes with them and the tests probe its files.
ensure_ffmpeg() {
  if command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null; then return; fi
  apt_install ffmpeg
}

# versitygw, an S3 API over a POSIX folder (Apache-2.0), for the storage tests: built once from the
# Go module proxy into .tools/, like livekit-server.
ensure_versitygw() {
  local dir="$GOLIVE_TOOLS/versitygw-$GOLIVE_VERSITYGW_VERSION"
  if [ ! -x "$dir/versitygw" ]; then
    command -v go >/dev/null || die "versitygw $GOLIVE_VERSITYGW_VERSION is missing and Go is not installed to build it: install Go >= 1.24"
    log "building versitygw $GOLIVE_VERSITYGW_VERSION from the Go module proxy (a few minutes, once)"
    mkdir -p "$dir"
    CGO_ENABLED=0 GOBIN="$dir" go install "github.com/versity/versitygw/cmd/versitygw@v$GOLIVE_VERSITYGW_VERSION" ||
      die "go install of versitygw failed"
  fi
  export GOLIVE_VERSITYGW_BIN="$dir/versitygw"
}
