"""Writes the one-MatMul ONNX graph `npm run bench:speed` uses to measure the machine's ceiling:
Y = A @ B, A an input [n, n], B a constant [n, n], float32.

  /usr/bin/python3 bench/matmul_graph.py OUT.onnx [n]
"""
from __future__ import annotations

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(graph: onnx.GraphProto, out: str) -> None:
    """Checks and writes a one-graph model at opset 13 (MatMul's and ReduceSum's forms here)."""
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="cot-sc bench")
    model.ir_version = 8  # onnxruntime-node reads IR 8 and later
    onnx.checker.check_model(model)
    onnx.save(model, out)


def main() -> None:
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    b = numpy_helper.from_array(np.random.default_rng(0).standard_normal((n, n)).astype(np.float32), name="B")
    save(helper.make_graph(
        [helper.make_node("MatMul", ["A", "B"], ["Y"])],
        "matmul_ceiling",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [n, n])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [n, n])],
        [b],
    ), out)


if __name__ == "__main__":
    main()
