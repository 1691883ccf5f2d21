"""Writes the one-ReduceSum ONNX graph `npm run bench:speed` uses to measure the machine's memory
bandwidth: Y = sum(A), A an input of n float32 values (n × 4 bytes read once, nothing written back), so
the best run's bytes / time is the rate onnxruntime's threads can stream memory at.

  /usr/bin/python3 bench/reduce_graph.py OUT.onnx [n]
"""
from __future__ import annotations

import os
import sys

from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(__file__))
from matmul_graph import save  # noqa: E402

if __name__ == "__main__":
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 26
    save(helper.make_graph(
        [helper.make_node("ReduceSum", ["A"], ["Y"], keepdims=0)],
        "memory_bandwidth",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [n])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [])],
    ), sys.argv[1])
