#!/usr/bin/env bash
# Prepares a machine for mlgym: system packages (as root, via apt), npm dependencies and the build, the managed
# Python runtime and task data. Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

# System packages: bubblewrap (the isolating sandbox), file (MIME checks of the editor), prlimit (CPU limits),
# a Python 3 with venv for the task runtime, redis-server (the tests of distributed batches) and Debian's
# Fashion-MNIST.
missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v file >/dev/null 2>&1 || missing+=(file)
command -v prlimit >/dev/null 2>&1 || missing+=(util-linux)
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# Headless chromium for the browser tests of `mlgym view` (driven by playwright-core).
command -v chromium >/dev/null 2>&1 || [ -n "${MLGYM_CHROMIUM:-}" ] || missing+=(chromium)
# Offline Fashion-MNIST for the imageClassificationFMnist task.
[ -d /usr/share/datasets/fashion-mnist ] || [ -n "${MLGYM_FASHION_MNIST_DIR:-}" ] || missing+=(dataset-fashion-mnist)
# The container sandboxes (docker, podman): Debian's Docker engine, and debootstrap for the task image's base, built
# locally (no image registry needed). MLGYM_SKIP_DOCKER=1 leaves them out.
if [ -z "${MLGYM_SKIP_DOCKER:-}" ]; then
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
fi
# Podman (opt-in: MLGYM_PODMAN=1), with catatonit for its --init.
if [ -n "${MLGYM_PODMAN:-}" ]; then
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  [ -e /usr/libexec/podman/catatonit ] || command -v catatonit >/dev/null 2>&1 || missing+=(catatonit)
  command -v runc >/dev/null 2>&1 || command -v crun >/dev/null 2>&1 || missing+=(runc)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "missing system packages: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]});"
    say "without bubblewrap episodes run in the unisolated 'local' sandbox (see 'mlgym doctor')"
    if ! command -v redis-server >/dev/null 2>&1; then
      say "without redis-server the tests of distributed batches (BullMQ, the Redis ledger) are SKIPPED, not passed"
    fi
    if ! command -v chromium >/dev/null 2>&1; then
      say "without chromium the browser tests of 'mlgym view' are SKIPPED, not passed"
    fi
  fi
fi

# npm dependencies and the build (npm ci runs the build through the prepare script).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error >&2
elif [ ! -f dist/cli/entry.js ] || [ -n "$(find src -newer dist/cli/entry.js -name '*.ts' -print -quit)" ]; then
  say "building"
  npm run --silent build >&2
fi

# The managed Python runtime and the data of the built-in tasks.
node bin/mlgym.js setup >&2

# The Docker engine (started here where nothing runs it, as root) and the task image (built once, then cached).
if [ -z "${MLGYM_SKIP_DOCKER:-}" ] && command -v docker >/dev/null 2>&1; then
  if ! docker version >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null 2>&1; then
    say "starting dockerd (log: /var/log/mlgym-dockerd.log)"
    setsid dockerd >/var/log/mlgym-dockerd.log 2>&1 < /dev/null &
    for _ in $(seq 30); do docker version >/dev/null 2>&1 && break; sleep 1; done
  fi
  if docker version >/dev/null 2>&1; then
    node bin/mlgym.js image build --quiet >&2 ||
      say "the task image could not be built: the docker sandbox's tests are SKIPPED, not passed"
  else
    say "no Docker engine answers: the docker sandbox's tests are SKIPPED, not passed (see 'mlgym doctor')"
  fi
fi

# The task image for Podman (MLGYM_PODMAN=1), which keeps images of its own.
if [ -n "${MLGYM_PODMAN:-}" ] && command -v podman >/dev/null 2>&1; then
  node bin/mlgym.js image build --engine podman --quiet >&2 ||
    say "the task image could not be built for podman: the podman sandbox's tests are SKIPPED, not passed"
fi
