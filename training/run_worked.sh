#!/usr/bin/env bash
# Phase 3 of the shipped model (training/train_worked.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec training/python.sh training/train_worked.py "$@"
