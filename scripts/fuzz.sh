#!/usr/bin/env bash
# A time-boxed libFuzzer run of every fuzz target: scripts/fuzz.sh SECONDS [TARGET ...]
# Builds build-fuzz/ with clang (libFuzzer + ASan + UBSan; clang is not part of scripts/setup.sh:
# apt-get install clang), then fuzzes each target for SECONDS, starting from its seed corpus in
# tests/fuzz/corpus/<target> and its dictionary tests/fuzz/<target>.dict. What a run learns goes to
# build-fuzz/corpus/<target> (not the tree); crashes to build-fuzz/crashes/<target>/. Not part of CI
# (ctest replays the seed corpus instead). Exit status 1 if any target crashed. OVMS_FUZZ_TIMEOUT
# (seconds, default 10) is the per-input timeout: raise it on a loaded machine.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:?usage: scripts/fuzz.sh SECONDS [TARGET ...]}"
shift
targets=("$@")
((${#targets[@]})) || targets=(connection tcp framer capture keys filter relay json rules)
command -v clang++ >/dev/null || { echo "fuzz: clang++ is needed (apt-get install clang)" >&2; exit 2; }

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if [ ! -f build-fuzz/build.ninja ]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_C_FLAGS="$san -fsanitize=fuzzer-no-link" -DCMAKE_CXX_FLAGS="$san -fsanitize=fuzzer-no-link" \
    -DOVMS_LIBFUZZER=ON -DOVMS_BUILD_DISSECTOR=OFF >/dev/null
fi
cmake --build build-fuzz -j "${OVMS_JOBS:-2}" --target "${targets[@]/#/fuzz_}"

export OVMS_SOURCE_DIR="$PWD" ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="print_stacktrace=1"
status=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/crashes/$t"
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=("-dict=tests/fuzz/$t.dict")
  echo "== fuzz_$t for ${seconds}s"
  if ! build-fuzz/tests/fuzz/fuzz_"$t" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
      -timeout="${OVMS_FUZZ_TIMEOUT:-10}" -print_final_stats=1 "${dict[@]}" -artifact_prefix="build-fuzz/crashes/$t/" \
      "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" 2>"build-fuzz/fuzz_$t.log"; then
    echo "fuzz_$t: CRASH, see build-fuzz/fuzz_$t.log and build-fuzz/crashes/$t/" >&2
    status=1
  fi
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)|cov: " "build-fuzz/fuzz_$t.log" | tail -3
done
exit $status
