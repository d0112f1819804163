#!/usr/bin/env bash
# Runs one libFuzzer harness for a given time: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]
# TARGET: gguf, experiment, task_file, template, dataset, samples, remote_reply (or "all", each for SECONDS).
# Builds build-fuzz/ with clang (-fsanitize=fuzzer,address,undefined) the first time. The seeds
# in fuzz/corpus/TARGET are read, never written: new inputs go to build-fuzz/corpus/TARGET, and a
# crash is saved as build-fuzz/crash-TARGET-*. Exit 0 when nothing was found.
# A long run: scripts/fuzz.sh all 600
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=(gguf experiment task_file template dataset samples remote_reply)
if [[ $# -lt 2 ]]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]   (TARGET: ${TARGETS[*]} or all)" >&2
  exit 2
fi
target=$1 seconds=$2
shift 2
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang)" >&2; exit 2; }
if [[ ! -f build-fuzz/build.ninja ]]; then
  prefix=$(grep -m1 '^CMAKE_PREFIX_PATH' build/CMakeCache.txt 2>/dev/null | cut -d= -f2 || true)
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUALM_FUZZ=ON \
    -DQUALM_BUILD_TESTS=OFF ${prefix:+-DCMAKE_PREFIX_PATH="$prefix"} >/dev/null
fi
if [[ $target == all ]]; then
  for t in "${TARGETS[@]}"; do "$0" "$t" "$seconds" "$@"; done
  exit 0
fi
nice -n 10 ninja -C build-fuzz -j "${QUALM_FUZZ_JOBS:-2}" "fuzz/fuzz_$target" >/dev/null
mkdir -p "build-fuzz/corpus/$target"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
"build-fuzz/fuzz/fuzz_$target" -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536 -timeout=10 \
  -print_final_stats=1 -artifact_prefix="build-fuzz/crash-$target-" "$@" \
  "build-fuzz/corpus/$target" "fuzz/corpus/$target" 2>&1 |
  grep -E "^(stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY|Done)|crash-" |
  sed "s/^/$target: /"
test "${PIPESTATUS[0]}" -eq 0
