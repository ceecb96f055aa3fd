#!/bin/sh
# Installs the browser test's npm packages (playwright-core, axe-core) from
# tests/browser/package-lock.json, unless the installed set already matches it.
set -eu
dir=$(cd "$(dirname "$0")/../tests/browser" && pwd)
stamp=$dir/node_modules/.package-lock.json
if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$dir/node_modules/.imagegather-lock"; then
	exit 0
fi
npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
cp "$dir/package-lock.json" "$dir/node_modules/.imagegather-lock"
