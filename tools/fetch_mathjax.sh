#!/usr/bin/env bash
# Put MathJax 3 (from the npm registry) into _mathjax/mathjax/ so the site renders math without a
# CDN: this machine, a classroom without internet and the browser test all need it local.
# _config.yml serves _mathjax/ as a static path; the folder is git-ignored.
set -euo pipefail
version="3.2.2"
dest="_mathjax/mathjax"
if [ -f "$dest/tex-mml-chtml.js" ] && [ -f "$dest/.version-$version" ]; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "mathjax@$version" >/dev/null)
tar -xzf "$tmp/mathjax-$version.tgz" -C "$tmp"
rm -rf "$dest" && mkdir -p "$dest/output"
src="$tmp/package/es5"
cp -r "$src/tex-mml-chtml.js" "$src/input" "$src/ui" "$src/a11y" "$src/sre" "$src/adaptors" "$dest/"
cp -r "$src/output/chtml" "$src/output/chtml.js" "$dest/output/"
cp "$tmp/package/LICENSE" "$dest/"
touch "$dest/.version-$version"
echo "MathJax $version -> $dest"
