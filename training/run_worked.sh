#!/usr/bin/env bash
# Phase 3 of the shipped model (training/train_worked.py), with Debian's python3, torch and OpenBLAS.
set -euo pipefail
cd "$(dirname "$0")/.."
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
if [ -d "$openblas" ]; then export LD_LIBRARY_PATH="$openblas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"
exec /usr/bin/python3 training/train_worked.py "$@"
