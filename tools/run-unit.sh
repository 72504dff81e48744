#!/usr/bin/env bash
# Runs every host unit test binary, all of them even after a failure, and
# ends with one summary line counting test cases; non-zero if any failed.
set -u
pass=0
fail=0
failed=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
    "$t" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log")
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log")
    pass=$((pass + ${p:-0}))
    fail=$((fail + ${f:-0}))
    if [ "$rc" -ne 0 ]; then
        failed+=("$(basename "$t")")
        # a crash (sanitizer report) counts even when cmocka printed no tally
        [ -z "$f" ] && fail=$((fail + 1))
    fi
done
echo
[ ${#failed[@]} -gt 0 ] && echo "unit: failing binaries: ${failed[*]}"
echo "unit: ${pass} passed, ${fail} failed"
[ ${#failed[@]} -eq 0 ]
