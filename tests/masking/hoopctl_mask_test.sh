#!/bin/sh
# hoopctl mask end to end: cells, column rules from a profile, a stream, and
# a bad profile rejected with file and line. Usage: hoopctl_mask_test.sh HOOPCTL SRC
set -eu
hoopctl=$1
src=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$(printf 'ana@example.com paid 4111 1111 1111 1111\n12345\n' | "$hoopctl" mask)
[ "$out" = "$(printf '[EMAIL] paid [PAYMENT_CARD]\n12345')" ] || fail "cells: $out"

out=$(printf 'hunter2\n' | "$hoopctl" mask --profile "$src/lib/masking/profiles/strict.yaml" --column password)
[ "$out" = "[REDACTED]" ] || fail "column rule: $out"

out=$(printf 'line one 123-45-6789\nAKIAIOSFODNN7EXAMPLE\n' | "$hoopctl" mask --stream)
[ "$out" = "$(printf 'line one [US_SSN]\n[AWS_ACCESS_KEY_ID]')" ] || fail "stream: $out"

bad=$(mktemp)
printf 'detectors:\n  - builtin: NOPE\n' > "$bad"
if err=$("$hoopctl" mask --profile "$bad" </dev/null 2>&1); then
  rm -f "$bad"; fail "bad profile accepted"
fi
rm -f "$bad"
case "$err" in *":2:14: detectors[0].builtin: unknown built-in detector 'NOPE'"*) ;; *) fail "error: $err" ;; esac
echo OK
