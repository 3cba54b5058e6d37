#!/usr/bin/env bash
# ctest fixture for tests/deploy: installs the pinned validators of
# package-lock.json into DEST/node_modules with `npm ci` (nothing is vendored
# in the repository). Skipped when DEST already holds this very lock file.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: npm_setup.sh DEST}

if ! command -v npm >/dev/null 2>&1; then
  echo "npm_setup: npm not found; scripts/install-deps.sh installs it" >&2
  exit 1
fi
mkdir -p "$dest"
if cmp -s "$src/package-lock.json" "$dest/node_modules/.installed-from-lock.json"; then
  echo "npm_setup: $dest/node_modules is up to date"
  exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$dest/"
cd "$dest"
# --ignore-scripts: none of these packages needs an install script, and none runs.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
cp package-lock.json node_modules/.installed-from-lock.json
echo "npm_setup: installed $(node -e 'const l=require("./package-lock.json");console.log(Object.keys(l.packages).length-1)') packages with node $(node --version), npm $(npm --version)"
