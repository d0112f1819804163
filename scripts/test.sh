#!/usr/bin/env bash
# Runs the whole test suite: unit tests, and the oracle tests that run llama.cpp's own tools
# from the cached install on ../shared/data (skipped, with a message, where it is absent).
#
# Then the numeric tests (ctest label "numeric") a second time, against an AVX2-only llama.cpp
# (GGML_NATIVE=OFF, AVX-512 off) built once into $QUALM_DEPS_DIR/llama.cpp-<commit>-avx2 and
# qualm built against it into build-avx2/: llama.cpp is built with GGML_NATIVE=ON, so a CPU
# without AVX-512 takes other kernels, and a number that holds here must hold there too.
# Between the two, every fuzz target runs for 30 s (scripts/fuzz.sh, QUALM_FUZZ_SECONDS).
# QUALM_SKIP_AVX2=1 skips that second pass; arguments are passed to the first ctest only.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${QUALM_JOBS:-$(nproc)}
ctest --test-dir build --output-on-failure -j "$jobs" "$@"
# Each libFuzzer harness for QUALM_FUZZ_SECONDS (30; 0 skips); a long run: scripts/fuzz.sh all 600
if [ $# -eq 0 ] && [ "${QUALM_FUZZ_SECONDS:-30}" != 0 ]; then
  bash scripts/fuzz.sh all "${QUALM_FUZZ_SECONDS:-30}"
fi
[ $# -eq 0 ] && [ "${QUALM_SKIP_AVX2:-0}" != 1 ] || exit 0

deps_dir=${QUALM_DEPS_DIR:-$HOME/.cache/qualm}
avx2_prefix=${QUALM_LLAMA_AVX2_PREFIX:-$deps_dir/llama.cpp-de3ff81-avx2}
echo "test: the numeric tests again, against an AVX2-only llama.cpp ($avx2_prefix)"
QUALM_CUDA=OFF QUALM_DEPS_DIR=$deps_dir QUALM_LLAMA_PREFIX=$avx2_prefix \
  QUALM_LLAMA_CMAKE_FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DLLAMA_BUILD_SERVER=OFF" \
  bash scripts/install-llama.sh
cmake -S . -B build-avx2 -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$avx2_prefix" >/dev/null
cmake --build build-avx2 -j "$jobs"
ctest --test-dir build-avx2 --output-on-failure -j "$jobs" -L numeric
