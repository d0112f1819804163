#!/usr/bin/env bash
# Runs bench/gpu_validate.py on a GPU host that has CUDA but neither the network nor qualm's
# build: qualm and its inputs travel in one bundle made here.
#
#   bench/gpu_device_run.sh pack [BUNDLE]            here: writes BUNDLE (default
#       gpu-bundle.tar.gz, git-ignored; about 30 MB): the pinned llama.cpp's slim source
#       (scripts/install-llama.sh --source-tarball), build/qualm and qualm_make_gguf with the
#       non-glibc libraries qualm links, the vocab GGUFs of the random-weight presets, and the
#       models and datasets the script reads; with QUALM_PACK_CUDA_PREFIX=<a finished CUDA
#       install>, that build's libraries and tools too, and run builds nothing.
#   bench/gpu_device_run.sh run [BUNDLE] [gpu_validate.py args...]   on the GPU host: builds
#       llama.cpp with CUDA ($QUALM_JOBS jobs, default 16; sm_$QUALM_CUDA_ARCH, default 90) from
#       the bundle, then runs gpu_validate.py against it through LD_LIBRARY_PATH, results in
#       $OUT/gpu-validate ($OUT defaults to ./gpu-out).
#
# Environment of run: QUALM_GPU_WORK (default /tmp/qualm-gpu) holds the unpacked bundle and the
# CUDA build; QUALM_LLAMA_CUDA_PREFIX uses an already built CUDA llama.cpp instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
bundle=${2:-gpu-bundle.tar.gz}

stage=""
pack() {
  local deps data vocab
  stage=$(mktemp -d "${TMPDIR:-/tmp}/qualm-bundle.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  deps=${QUALM_DEPS_DIR:-$HOME/.cache/qualm}
  vocab=${QUALM_VOCAB_DIR:-$deps/llama.cpp-de3ff81/share/llama.cpp/models}
  data=${QUALM_DATA_DIR:-../shared/data}
  local qualm=${QUALM_BIN:-build/qualm}
  local make_gguf=${QUALM_MAKE_GGUF:-build/tests/fixtures/qualm_make_gguf}
  for f in "$qualm" "$make_gguf" "$vocab/ggml-vocab-llama-bpe.gguf" "$data/models/stories260K.gguf"; do
    [ -e "$f" ] || { echo "gpu_device_run.sh: missing $f" >&2; exit 1; }
  done
  mkdir -p "$stage/bundle/bin" "$stage/bundle/lib" "$stage/bundle/vocab" "$stage/bundle/data/datasets"
  bash scripts/install-llama.sh --source-tarball "$stage/bundle/llama-src.tar.gz"
  cp "$qualm" "$make_gguf" "$stage/bundle/bin/"
  # Libraries from this machine's packages that a GPU host may lack; glibc, libstdc++ and the
  # llama.cpp libraries (the CUDA build's) come from the host.
  ldd "$qualm" | awk '/=> \// {print $3}' | grep -Ev '/(libc|libm|libstdc\+\+|libgcc_s|libgomp|libllama|libggml[^/]*)\.so' \
    | xargs -r cp -L -t "$stage/bundle/lib/"
  cp "$vocab/ggml-vocab-llama-bpe.gguf" "$vocab/ggml-vocab-llama-spm.gguf" "$stage/bundle/vocab/"
  cp -r "$data/models" "$stage/bundle/data/"
  rm -rf "$stage/bundle/data/models/vocab-only"
  for d in arc hellaswag mmlu tinystories wikitext-2; do cp -r "$data/datasets/$d" "$stage/bundle/data/datasets/"; done
  rm -f "$stage/bundle/data/datasets/wikitext-2/wiki.test.tokens"
  # A CUDA llama.cpp built here (QUALM_CUDA=ON scripts/install-llama.sh) saves the GPU host
  # its build: its lib/ and the tools gpu_validate.py runs. Its CPU backend is GGML_NATIVE for
  # this machine's CPU: the host's CPU must have the same instruction sets (AVX-512 here).
  if [ -n "${QUALM_PACK_CUDA_PREFIX:-}" ]; then
    [ -f "$QUALM_PACK_CUDA_PREFIX/.qualm-complete" ] || { echo "gpu_device_run.sh: no finished install in $QUALM_PACK_CUDA_PREFIX" >&2; exit 1; }
    mkdir -p "$stage/bundle/llama-cuda/bin"
    cp -a "$QUALM_PACK_CUDA_PREFIX/lib" "$QUALM_PACK_CUDA_PREFIX/.qualm-complete" "$stage/bundle/llama-cuda/"
    for t in llama-perplexity llama-batched-bench llama-quantize llama-tokenize; do
      cp "$QUALM_PACK_CUDA_PREFIX/bin/$t" "$stage/bundle/llama-cuda/bin/"
    done
  fi
  git rev-parse HEAD >"$stage/bundle/qualm-commit"
  chmod -R u+w "$stage/bundle"  # the shared data is read-only; a rerun of run deletes the unpacked copy
  tar czf "$bundle" -C "$stage" bundle
  echo "gpu_device_run.sh: $bundle ($(du -m "$bundle" | cut -f1) MB)"
}

run() {
  local out=${OUT:-$PWD/gpu-out}
  local work=${QUALM_GPU_WORK:-/tmp/qualm-gpu}
  local arch=${QUALM_CUDA_ARCH:-90}
  mkdir -p "$out" "$work"
  {
    date -u
    nvidia-smi || true
    for t in nvcc cmake ninja python3; do echo "$t: $(command -v $t || echo missing)"; done
    ls /usr/local/cuda/bin/nvcc 2>&1 || true
    nproc
  } >"$out/device-env.txt" 2>&1
  rm -rf "$work/bundle"
  tar xzf "$bundle" -C "$work"
  local b=$work/bundle
  local prefix=${QUALM_LLAMA_CUDA_PREFIX:-$work/deps/llama.cpp-de3ff81-cuda$arch}
  if [ -z "${QUALM_LLAMA_CUDA_PREFIX:-}" ] && [ -d "$b/llama-cuda" ]; then
    prefix=$b/llama-cuda
    echo "llama.cpp CUDA build: from the bundle" >"$out/llama-cuda-build.txt"
  elif [ -z "${QUALM_LLAMA_CUDA_PREFIX:-}" ]; then
    local start=$SECONDS
    QUALM_CUDA=ON QUALM_CUDA_ARCH=$arch QUALM_JOBS=${QUALM_JOBS:-16} QUALM_DEPS_DIR=$work/deps \
      QUALM_LLAMA_SOURCE=$b/llama-src.tar.gz bash scripts/install-llama.sh >"$out/llama-cuda-build.txt" 2>&1 \
      || { tail -40 "$out/llama-cuda-build.txt" >&2; exit 1; }
    echo "llama.cpp CUDA build: $((SECONDS - start)) s" | tee -a "$out/llama-cuda-build.txt"
  fi
  # qualm's RUNPATH names this machine's CPU build; LD_LIBRARY_PATH comes first.
  export LD_LIBRARY_PATH=$prefix/lib:$prefix/lib64:$b/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export QUALM_BIN=$b/bin/qualm LLAMA_BIN_DIR=$prefix/bin QUALM_DATA_DIR=$b/data QUALM_VOCAB_DIR=$b/vocab \
         QUALM_MAKE_GGUF=$b/bin/qualm_make_gguf QUALM_DEPS_DIR=$work/deps QUALM_LLAMA_PREFIX=$prefix
  "$QUALM_BIN" version --json | tee "$out/qualm-version.json"
  shift 2 || shift $#
  python3 bench/gpu_validate.py --out "$out/gpu-validate" "$@"
}

case "$mode" in
  pack) pack ;;
  run) run "$@" ;;
  *) echo "usage: gpu_device_run.sh pack [BUNDLE] | run [BUNDLE] [gpu_validate.py args...]" >&2; exit 2 ;;
esac
