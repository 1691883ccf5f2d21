#!/usr/bin/env bash
# Train, export and evaluate the shipped model from scratch (phases 1 and 2). Needs Debian's python3 with
# torch and onnx:  sudo apt-get install -y python3-torch python3-onnx libopenblas0-openmp
set -euo pipefail
cd "$(dirname "$0")/.."
exec training/python.sh training/train.py "$@"
