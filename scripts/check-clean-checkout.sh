#!/usr/bin/env bash
# Proves that a clean checkout stays clean: clones this repository's HEAD into a fresh directory,
# runs ./golive setup's install steps there (Node and npm packages: what writes into the checkout),
# and fails if git status is then not empty. .tools is linked from this checkout (livekit-server,
# versitygw: ignored by git, and slow to build). Usage: scripts/check-clean-checkout.sh [dir]
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$(mktemp -d /tmp/golive-clean-XXXXXX)}"
rm -rf "$dest"
git clone --quiet "$src" "$dest"
[ -e "$src/.tools" ] && ln -s "$(readlink -f "$src/.tools")" "$dest/.tools"
(
  cd "$dest"
  source scripts/lib.sh
  ensure_node
  ensure_deps
)
dirty="$(git -C "$dest" status --porcelain)"
if [ -n "$dirty" ]; then
  printf 'a fresh checkout is dirty after set-up (%s):\n%s\n' "$dest" "$dirty" >&2
  git -C "$dest" diff --stat >&2
  exit 1
fi
echo "clean: git status --porcelain is empty after set-up in $dest"
rm -rf "$dest"
