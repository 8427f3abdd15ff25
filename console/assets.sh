#!/usr/bin/env bash
# Fetches the console's vendored front-end files from npm at pinned versions (make
# console-assets). Only what the pages use is kept: Bootstrap Italia's CSS, JS bundle, icon
# sprite, WOFF2 fonts and licence. The result is committed,
# so `make dev` and `make test` need no network.
set -euo pipefail
BI_VERSION=2.18.3
dest="$(cd "$(dirname "$0")" && pwd)/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "bootstrap-italia@$BI_VERSION" >/dev/null
mkdir bi
tar xzf "bootstrap-italia-$BI_VERSION.tgz" -C bi
rm -rf "$dest"
mkdir -p "$dest/bootstrap-italia/css" "$dest/bootstrap-italia/js" "$dest/bootstrap-italia/svg"
p=bi/package
cp "$p/LICENSE" "$dest/bootstrap-italia/LICENSE"
cp "$p/dist/css/bootstrap-italia.min.css" "$dest/bootstrap-italia/css/"
cp "$p/dist/js/bootstrap-italia.bundle.min.js" "$dest/bootstrap-italia/js/"
cp "$p/dist/svg/sprites.svg" "$dest/bootstrap-italia/svg/"
(cd "$p/dist" && find fonts -name '*.woff2' -exec install -D -m 644 {} "$dest/bootstrap-italia/{}" \;)
printf 'bootstrap-italia %s\n' "$BI_VERSION" > "$dest/VERSIONS"
