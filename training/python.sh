#!/usr/bin/env bash
# Debian's python3 (where python3-torch 1.13 installs, not a python3 elsewhere on PATH) with OpenBLAS:
# Debian's torch links the reference BLAS (~8 GFLOP/s); OpenBLAS makes training ~10x faster.
set -euo pipefail
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
if [ -d "$openblas" ]; then export LD_LIBRARY_PATH="$openblas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"
exec /usr/bin/python3 "$@"
