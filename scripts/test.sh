#!/usr/bin/env bash
# Runs the whole test suite: unit tests, and the oracle tests that run llama.cpp's own tools
# from the cached install on ../shared/data (skipped, with a message, where it is absent).
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure -j "${QUALM_JOBS:-$(nproc)}" "$@"
