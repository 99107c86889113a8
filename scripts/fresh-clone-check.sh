#!/usr/bin/env bash
# Clones this repository into a temp folder and runs README.md's two commands there with a clean
# environment (no variables but HOME and PATH), as a newcomer would, then reports each step.
# Usage: scripts/fresh-clone-check.sh [REPO_DIR] (default: this checkout; its HEAD commit is used)
set -uo pipefail
repo="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
work="$(mktemp -d /tmp/tbs-fresh-XXXXXX)"
clean=(env -i HOME="$HOME" PATH=/usr/local/bin:/usr/bin:/bin TERM=dumb)
git clone -q "$repo" "$work/clone" || { echo "clone failed"; exit 1; }
cd "$work/clone"
# The two commands, exactly as the README's first two bash blocks give them.
mapfile -t cmds < <(awk '/^```bash$/{inb=1; n++; next} /^```$/{inb=0} inb && n<=2' README.md)
echo "fresh clone of $(git rev-parse --short HEAD) in $work/clone"
status=0
step=0
# Each step keeps its own log (step-N.log), so a failure can still be read after the later steps.
for c in "${cmds[@]}"; do
  step=$((step + 1))
  log="$work/step-$step.log"
  start=$(date +%s)
  "${clean[@]}" bash -c "$c" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  warns=$(grep -c 'npm warn' "$log" || true)
  echo "== \`$c\` -> exit $rc in ${secs}s, npm warnings: $warns (log: $log)"
  tail -n 4 "$log" | sed 's/^/   | /'
  [ "$rc" -eq 0 ] || { grep -E '^(✖|not ok)' "$log" | head -n 20 | sed 's/^/   | failed: /'; status=1; }
done
for c in "npm run typecheck" "npm run lint"; do
  step=$((step + 1))
  log="$work/step-$step.log"
  "${clean[@]}" bash -c "$c" >"$log" 2>&1
  rc=$?
  echo "== \`$c\` -> exit $rc"
  [ "$rc" -eq 0 ] || { tail -n 10 "$log" | sed 's/^/   | /'; status=1; }
done
echo "fresh-clone check: $([ $status -eq 0 ] && echo PASS || echo FAIL) (logs in $work)"
exit $status
