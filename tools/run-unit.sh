#!/usr/bin/env bash
# Runs every host unit test binary, all of them even after a failure, and
# ends with one summary line; exits non-zero if any failed.
set -u
pass=0
fail=0
failed=()
for t in "$@"; do
    if "$t"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        failed+=("$(basename "$t")")
    fi
done
echo
[ "$fail" -gt 0 ] && echo "unit: failed: ${failed[*]}"
echo "unit: ${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
