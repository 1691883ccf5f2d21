"""Writes the one-ReduceSum ONNX graph `npm run bench:speed` uses to measure the machine's memory
bandwidth: Y = sum(A), A an input of n float32 values (n × 4 bytes read once, nothing written back), so
the best run's bytes / time is the rate onnxruntime's threads can stream memory at.

  /usr/bin/python3 bench/reduce_graph.py OUT.onnx [n]
"""
from __future__ import annotations

import sys

import onnx
from onnx import TensorProto, helper


def main() -> None:
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 26
    graph = helper.make_graph(
        [helper.make_node("ReduceSum", ["A"], ["Y"], keepdims=0)],
        "memory_bandwidth",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [n])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="cot-sc bench")
    model.ir_version = 8  # onnxruntime-node reads IR 8 and later
    onnx.checker.check_model(model)
    onnx.save(model, out)


if __name__ == "__main__":
    main()
