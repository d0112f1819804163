#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine: Debian packages, the pinned llama.cpp (built once into
# $QUALM_DEPS_DIR, default ~/.cache/qualm), then qualm itself into build/.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
packages=(build-essential cmake ninja-build git ca-certificates python3
          nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev zlib1g-dev libbz2-dev
          libyaml-cpp-dev libssl-dev libcpp-httplib-dev pkg-config libboost-math-dev python3-nltk chromium
          python3-scipy python3-torch clang slurm-wlm munge)
# clang builds the libFuzzer harnesses (scripts/fuzz.sh); chromium renders report.html in tests/e2e/test_report_html.py; python3-scipy is the
# independent check of tests/e2e/test_report.py; python3-torch runs the reference forward pass
# of tests/e2e/test_torch_oracle.py; slurm-wlm and munge are the one-node cluster of
# tests/e2e/test_slurm.py (the test starts their daemons, in a temporary directory).
# tests/stats_goldens/make_goldens.py also needs python3-statsmodels, but only to regenerate
# the committed goldens.
# npm fetches llama.cpp's source (node-llama-cpp's tarball); keep a Node.js already there.
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  # No service the packages bring (munge, slurmctld, slurmd) starts: the Slurm test starts its
  # own, in a temporary directory. policy-rc.d answers "not now" during this install only.
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    guard=1
    trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$guard" ]; then
    $sudo rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
fi

deps_dir=${QUALM_DEPS_DIR:-$HOME/.cache/qualm}
# QUALM_CUDA=ON: llama.cpp with CUDA (sm_$QUALM_CUDA_ARCH, default 90) in a prefix of its own;
# install-llama.sh reads both variables too.
link_flags=()
case "${QUALM_CUDA:-OFF}" in
  ON|on|On|1|YES|yes|TRUE|true)
    arch=${QUALM_CUDA_ARCH:-90}; default_prefix=$deps_dir/llama.cpp-de3ff81-cuda${arch//;/-}
    # libcuda.so.1 (the driver) is absent on a machine without a GPU: link qualm regardless.
    link_flags=(-DCMAKE_EXE_LINKER_FLAGS=-Wl,--allow-shlib-undefined) ;;
  *) default_prefix=$deps_dir/llama.cpp-de3ff81 ;;
esac
llama_prefix=${QUALM_LLAMA_PREFIX:-$default_prefix}
QUALM_DEPS_DIR=$deps_dir QUALM_LLAMA_PREFIX=$llama_prefix bash scripts/install-llama.sh

echo "setup: building qualm against $llama_prefix"
# llama_DIR is cached: naming it switches a build/ configured against the other prefix.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$llama_prefix" \
  -Dllama_DIR="$llama_prefix/lib/cmake/llama" "${link_flags[@]}" >/dev/null
cmake --build build -j "${QUALM_JOBS:-$(nproc)}"
echo "setup: done: build/qualm"

# The main job on its default: the smoke experiment (every task kind on stories260K, in F32 and
# a derived Q8_0), about a minute on 2 cores. QUALM_SKIP_SMOKE=1 skips it.
if [ "${QUALM_SKIP_SMOKE:-0}" != 1 ]; then
  echo "setup: running the smoke experiment (configs/smoke.yaml)"
  smoke_out=runs/smoke-$(date -u +%Y%m%dT%H%M%SZ)
  build/qualm run configs/smoke.yaml --out "$smoke_out"
  echo "setup: the smoke experiment's report: $smoke_out/report.md and $smoke_out/report.html"
fi
