#!/usr/bin/env bash
# Builds the pinned llama.cpp (the snapshot inside node-llama-cpp@3.22.1) once and installs
# it into $QUALM_DEPS_DIR/llama.cpp-<commit>. A prefix that already holds a finished install
# is reused. Extra CMake flags (e.g. -DGGML_CUDA=ON) come from $QUALM_LLAMA_CMAKE_FLAGS;
# set QUALM_LLAMA_PREFIX to install a differently-flagged build elsewhere.
set -euo pipefail

NODE_LLAMA_CPP_VERSION=3.22.1
LLAMA_COMMIT=de3ff81
DEPS_DIR=${QUALM_DEPS_DIR:-$HOME/.cache/qualm}
PREFIX=${QUALM_LLAMA_PREFIX:-$DEPS_DIR/llama.cpp-$LLAMA_COMMIT}
JOBS=${QUALM_JOBS:-$(nproc)}

if [ -f "$PREFIX/.qualm-complete" ]; then
  echo "llama.cpp $LLAMA_COMMIT: using $PREFIX"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/qualm-llama.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "llama.cpp $LLAMA_COMMIT: fetching node-llama-cpp@$NODE_LLAMA_CPP_VERSION"
npm pack --silent "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >/dev/null
tar xzf "node-llama-cpp-$NODE_LLAMA_CPP_VERSION.tgz" package/llama/gitRelease.bundle
git -c advice.detachedHead=false clone -q package/llama/gitRelease.bundle src
got=$(git -C src rev-parse --short=7 HEAD)
if [ "$got" != "$LLAMA_COMMIT" ]; then
  echo "error: node-llama-cpp@$NODE_LLAMA_CPP_VERSION holds llama.cpp $got, expected $LLAMA_COMMIT" >&2
  exit 1
fi

echo "llama.cpp $LLAMA_COMMIT: building with $JOBS jobs (about 7 minutes on 2 cores)"
# shellcheck disable=SC2086
cmake -S src -B build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=ON \
  -DLLAMA_OPENSSL=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_TOOLS=ON \
  -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_APP=OFF \
  -DGGML_NATIVE=ON \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_RPATH='$ORIGIN/../lib' \
  ${QUALM_LLAMA_CMAKE_FLAGS:-} >build.log 2>&1 || { tail -40 build.log >&2; exit 1; }
cmake --build build -j "$JOBS" >>build.log 2>&1 || { tail -60 build.log >&2; exit 1; }
rm -rf "$PREFIX"
cmake --install build >>build.log 2>&1 || { tail -40 build.log >&2; exit 1; }
# The tokenizer-only GGUFs travel with the install: the fixture generator needs them.
mkdir -p "$PREFIX/share/llama.cpp/models"
cp src/models/ggml-vocab-*.gguf "$PREFIX/share/llama.cpp/models/"
git -C src rev-parse HEAD >"$PREFIX/.qualm-complete"
echo "llama.cpp $LLAMA_COMMIT: installed into $PREFIX"
