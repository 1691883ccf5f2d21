#!/usr/bin/env bash
# Train, export and evaluate the shipped model from scratch. Needs Debian's python3 with torch and onnx:
#   sudo apt-get install -y python3-torch python3-onnx libopenblas0-openmp
# (python3-torch 1.13 goes to Debian's own /usr/bin/python3, not to a python3 elsewhere on PATH.)
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's torch links the reference BLAS (~8 GFLOP/s); OpenBLAS makes training ~10x faster.
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
if [ -d "$openblas" ]; then export LD_LIBRARY_PATH="$openblas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"
exec /usr/bin/python3 training/train.py "$@"
