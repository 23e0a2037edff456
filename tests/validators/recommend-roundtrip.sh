#!/usr/bin/env bash
# Round trip: `forescale recommend` on a configuration as users write it, then the recommended
# file it writes (same format) through the upstream validator for that format.
# Usage: recommend-roundtrip.sh FORESCALE_BIN CONFIG   (run from anywhere)
set -euo pipefail
bin=${1:?forescale binary}
config=${2:?configuration file}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Two days of the NASA trace (the first is warm-up), scaled so its peak needs about 16 replicas
# of the example service; a small budget: this checks the file, not the search.
"$bin" recommend --history "$repo/data/nasa_http/nasa_ksc_requests_per_minute.csv" \
  --column requests --values count --peak-rps 480 --last 1d --warm-up 1d \
  --service "$repo/examples/service.yaml" --policy "$config" --budget 6 --out "$out" > "$out/log" 2>&1 ||
  { cat "$out/log" >&2; exit 1; }
shopt -s nullglob
written=("$out"/*.recommended.*)
[[ ${#written[@]} == 1 ]] || { echo "expected one recommended file in $out" >&2; ls "$out" >&2; exit 1; }
case ${written[0]} in
  *.json) bash "$here/validate-aws.sh" "${written[0]}" ;;
  *) node "$here/validate-k8s.mjs" "${written[0]}" ;;
esac
