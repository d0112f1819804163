#!/usr/bin/env bash
# Builds the pinned llama.cpp (the snapshot inside node-llama-cpp@3.22.1) once and installs
# it into $QUALM_DEPS_DIR/llama.cpp-<commit>. A prefix that already holds a finished install
# is reused. Extra CMake flags come from $QUALM_LLAMA_CMAKE_FLAGS; set QUALM_LLAMA_PREFIX to
# install a differently-flagged build elsewhere.
#
#   QUALM_CUDA=ON          build with CUDA: GGML_CUDA=ON, CMAKE_CUDA_ARCHITECTURES=$QUALM_CUDA_ARCH
#                          (default 90: H100/H200), GGML_CUDA_NCCL=OFF, into its own prefix
#                          $QUALM_DEPS_DIR/llama.cpp-<commit>-cuda<arch>
#   QUALM_LLAMA_SOURCE=F   build from F, a source tarball of the pinned commit that
#                          `install-llama.sh --source-tarball F` wrote, instead of fetching it
#                          with npm (a GPU host without network)
#
#   install-llama.sh --source-tarball F   writes that tarball (the source without models/,
#                                         docs/, media/ and the git history; about 11 MB) and exits
set -euo pipefail

NODE_LLAMA_CPP_VERSION=3.22.1
LLAMA_COMMIT=de3ff81
DEPS_DIR=${QUALM_DEPS_DIR:-$HOME/.cache/qualm}
JOBS=${QUALM_JOBS:-$(nproc)}
CUDA=${QUALM_CUDA:-OFF}
CUDA_ARCH=${QUALM_CUDA_ARCH:-90}

source_tarball=""
if [ "${1:-}" = --source-tarball ]; then
  [ $# -eq 2 ] || { echo "usage: install-llama.sh [--source-tarball FILE]" >&2; exit 2; }
  source_tarball=$(realpath -m "$2")
elif [ $# -gt 0 ]; then
  echo "usage: install-llama.sh [--source-tarball FILE]" >&2
  exit 2
fi

extra_flags=()
case "${CUDA^^}" in
  ON|1|YES|TRUE)
    default_prefix=$DEPS_DIR/llama.cpp-$LLAMA_COMMIT-cuda${CUDA_ARCH//;/-}
    # libggml-cuda links the driver (libcuda.so.1), which a machine without a GPU lacks: the tools
    # then link with its symbols left undefined, as llama.cpp's own CUDA Dockerfile does.
    extra_flags=(-DGGML_CUDA=ON "-DCMAKE_CUDA_ARCHITECTURES=$CUDA_ARCH" -DGGML_CUDA_NCCL=OFF
                 -DCMAKE_EXE_LINKER_FLAGS=-Wl,--allow-shlib-undefined)
    # nvcc is often installed without being on PATH.
    if [ -z "${CUDACXX:-}" ] && ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
      export CUDACXX=/usr/local/cuda/bin/nvcc
    fi
    what="llama.cpp $LLAMA_COMMIT (CUDA, sm_$CUDA_ARCH)"
    ;;
  OFF|0|NO|FALSE|"")
    default_prefix=$DEPS_DIR/llama.cpp-$LLAMA_COMMIT
    what="llama.cpp $LLAMA_COMMIT"
    ;;
  *) echo "error: QUALM_CUDA=$CUDA: use ON or OFF" >&2; exit 2 ;;
esac
# Absolute: the build runs in a temporary directory.
PREFIX=$(realpath -m "${QUALM_LLAMA_PREFIX:-$default_prefix}")
llama_source=""
[ -z "${QUALM_LLAMA_SOURCE:-}" ] || llama_source=$(realpath -m "$QUALM_LLAMA_SOURCE")

if [ -z "$source_tarball" ] && [ -f "$PREFIX/.qualm-complete" ]; then
  echo "$what: using $PREFIX"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/qualm-llama.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
if [ -n "$llama_source" ]; then
  echo "$what: unpacking $llama_source"
  mkdir src
  tar xzf "$llama_source" -C src
  got=$(cat src/.qualm-llama-commit 2>/dev/null || true)
  if [ "${got:0:7}" != "$LLAMA_COMMIT" ]; then
    echo "error: $llama_source holds llama.cpp '${got:-?}', expected $LLAMA_COMMIT" >&2
    exit 1
  fi
else
  echo "$what: fetching node-llama-cpp@$NODE_LLAMA_CPP_VERSION"
  npm pack --silent "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >/dev/null
  tar xzf "node-llama-cpp-$NODE_LLAMA_CPP_VERSION.tgz" package/llama/gitRelease.bundle
  git -c advice.detachedHead=false clone -q package/llama/gitRelease.bundle src
  got=$(git -C src rev-parse HEAD)
  if [ "${got:0:7}" != "$LLAMA_COMMIT" ]; then
    echo "error: node-llama-cpp@$NODE_LLAMA_CPP_VERSION holds llama.cpp ${got:0:7}, expected $LLAMA_COMMIT" >&2
    exit 1
  fi
  echo "$got" >src/.qualm-llama-commit
fi

if [ -n "$source_tarball" ]; then
  # git archive leaves out the history; models/ (vocab GGUFs), docs/ and media/ are not built.
  git -C src archive --format=tar -o "$work/src.tar" HEAD -- . ':!models' ':!docs' ':!media'
  tar -C src -rf "$work/src.tar" .qualm-llama-commit
  mkdir -p "$(dirname "$source_tarball")"
  gzip -9 -c "$work/src.tar" >"$source_tarball"
  echo "$what: source tarball $source_tarball ($(du -k "$source_tarball" | cut -f1) KiB)"
  exit 0
fi

echo "$what: building with $JOBS jobs (CPU: about 7 minutes on 2 cores; CUDA: see README.md)"
start=$(date +%s)
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
  "${extra_flags[@]}" \
  ${QUALM_LLAMA_CMAKE_FLAGS:-} >build.log 2>&1 || { tail -40 build.log >&2; exit 1; }
cmake --build build -j "$JOBS" >>build.log 2>&1 || { tail -60 build.log >&2; exit 1; }
rm -rf "$PREFIX"
cmake --install build >>build.log 2>&1 || { tail -40 build.log >&2; exit 1; }
# The tokenizer-only GGUFs travel with the install: the fixture generator needs them (a
# source tarball has none).
mkdir -p "$PREFIX/share/llama.cpp/models"
if compgen -G "src/models/ggml-vocab-*.gguf" >/dev/null; then
  cp src/models/ggml-vocab-*.gguf "$PREFIX/share/llama.cpp/models/"
fi
cat src/.qualm-llama-commit >"$PREFIX/.qualm-complete"
echo "$what: installed into $PREFIX in $(( $(date +%s) - start )) s"
