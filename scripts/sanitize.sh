#!/usr/bin/env bash
# The sanitizer run (issue 11), part of scripts/test.sh: builds the unit tests, ovmsdump, the fuzz
# targets' replay and the malformed-corpus maker with GCC's AddressSanitizer + UndefinedBehaviorSanitizer
# into build-asan/ (incrementally), then runs the unit tests, ovmsdump over every sample (JSON and
# text), ovmsdump over the malformed corpus, and every fuzz target over its corpus. Any report fails.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${OVMS_JOBS:-2}"
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
if [ ! -f build-asan/build.ninja ]; then
  # -O1: the sanitizers' usual level (fast enough to run, quicker to build than -O2); no plugin, no GUI.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DCMAKE_CXX_FLAGS="$san" -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" \
    -DOVMS_BUILD_DISSECTOR=OFF >/dev/null
fi
fuzz_targets=(connection tcp framer capture keys filter relay json)
cmake --build build-asan -j "$jobs" --target unit_tests ovmsdump ovms-make-malformed "${fuzz_targets[@]/#/fuzz_}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export OVMS_SOURCE_DIR="$PWD"
b=build-asan

echo "sanitize: unit tests"
"$b/tests/unit_tests" --gtest_brief=1

echo "sanitize: ovmsdump over the samples"
for s in samples/*.pcap; do
  "$b/cli/ovmsdump" -r "$s" -k samples/keys.yaml --json --stats >/dev/null 2>"$b/ovmsdump.err" ||
    { cat "$b/ovmsdump.err" >&2; echo "sanitize: ovmsdump failed on $s" >&2; exit 1; }
  "$b/cli/ovmsdump" -r "$s" -k samples/keys.yaml -v >/dev/null 2>"$b/ovmsdump.err" ||
    { cat "$b/ovmsdump.err" >&2; echo "sanitize: ovmsdump (text) failed on $s" >&2; exit 1; }
done

echo "sanitize: ovmsdump over the malformed corpus"
python3 tests/malformed/malformed_test.py "$b/cli/ovmsdump" "$b/tests/malformed/ovms-make-malformed" samples

echo "sanitize: fuzz corpus replay"
for t in "${fuzz_targets[@]}"; do
  "$b/tests/fuzz/fuzz_$t" "tests/fuzz/corpus/$t" >/dev/null
done
echo "sanitize: clean"
