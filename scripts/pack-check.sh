#!/usr/bin/env bash
# The package as users get it: `npm pack`, installed into an empty folder, then `init`, `validate`
# and `demo` through npx. Catches files missing from package.json's "files" and install-time breakage.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm run build >/dev/null
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "$work/$tarball"

npx --no-install docspace-migrate -V
npx --no-install docspace-migrate init --out migrations.yaml
npx --no-install docspace-migrate validate migrations.yaml
# Outside the usual shapes (a block scalar), with problems in two moves: js-yaml, which the bundle leaves
# to node_modules, reads and places them.
printf 'version: 1\nmoves:\n  - from: { name: a }\n    to:\n    note: |\n      two lines\n  - from:\n    to: { name: b }\n' >odd.yaml
odd="$(npx --no-install docspace-migrate validate odd.yaml 2>&1 || true)"
grep -q '^odd.yaml:4:5 moves\[0\].to: ' <<<"$odd"
grep -q '^odd.yaml:7:5 moves\[1\].from: ' <<<"$odd"
npx --no-install docspace-migrate demo >demo.txt
grep -q "^Result: succeeded (exit 0)" demo.txt
echo "pack-check: installed $tarball; init, validate and demo work"
