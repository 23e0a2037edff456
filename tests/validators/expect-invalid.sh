#!/usr/bin/env bash
# Proves a validator can fail: runs VALIDATOR-COMMAND on a fixture with a known error and passes
# only if it exits 1 (invalid; not 2, a usage or set-up error, nor a crash) and its output says
# "invalid" and contains MESSAGE (a fixed string).
#
#   tests/validators/expect-invalid.sh MESSAGE COMMAND [ARG...]
set -uo pipefail
if (($# < 2)); then
  echo "usage: $0 MESSAGE COMMAND [ARG...]" >&2
  exit 2
fi
message=$1
shift
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if ((rc != 1)); then
  echo "expect-invalid: exit status $rc, expected 1 (invalid)"
  exit 1
fi
if ! grep -q ': invalid' <<<"$out"; then
  echo "expect-invalid: no document reported invalid"
  exit 1
fi
if ! grep -qF -- "$message" <<<"$out"; then
  echo "expect-invalid: the output does not contain: $message"
  exit 1
fi
echo "expect-invalid: rejected as expected"
