"""Tiny helper graphs for keeping the KV cache on a GPU (WebGPU): run on the same provider as the model,
they rearrange cache tensors without copying them to the host.

    /usr/bin/python3 training/kv_graphs.py      # writes kv-graphs/*.onnx

- rows_{dtype}.onnx:   cache [1, heads, len, headDim], pads int64[8], shape int64[4]
                       → Expand(Pad(cache, pads), shape): one prompt's cache left-padded and copied to k rows
- concat_{dtype}.onnx: a [b1, ...], b [b2, ...] → Concat(axis 0): groups of rows side by side
- gather_{dtype}.onnx: cache [batch, ...], indices int64[n] → Gather(axis 0): keep the live rows
"""
import os

import onnx
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(__file__), "..", "kv-graphs")
TYPES = {"float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16}


def save(graph, name):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], producer_name="cot-sc")
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name))


def main():
    os.makedirs(OUT, exist_ok=True)
    for dtype, elem in TYPES.items():
        cache = helper.make_tensor_value_info("cache", elem, ["one", "heads", "len", "dim"])
        pads = helper.make_tensor_value_info("pads", TensorProto.INT64, [8])
        shape = helper.make_tensor_value_info("shape", TensorProto.INT64, [4])
        rows = helper.make_tensor_value_info("rows", elem, ["rows", "heads", "width", "dim"])
        save(helper.make_graph([
            helper.make_node("Pad", ["cache", "pads"], ["padded"], mode="constant"),
            helper.make_node("Expand", ["padded", "shape"], ["rows"]),
        ], "rows", [cache, pads, shape], [rows]), f"rows_{dtype}.onnx")

        a = helper.make_tensor_value_info("a", elem, ["b1", "heads", "len", "dim"])
        b = helper.make_tensor_value_info("b", elem, ["b2", "heads", "len", "dim"])
        joined = helper.make_tensor_value_info("joined", elem, ["b3", "heads", "len", "dim"])
        save(helper.make_graph([helper.make_node("Concat", ["a", "b"], ["joined"], axis=0)], "concat", [a, b], [joined]),
             f"concat_{dtype}.onnx")

        whole = helper.make_tensor_value_info("cache", elem, ["batch", "heads", "len", "dim"])
        indices = helper.make_tensor_value_info("indices", TensorProto.INT64, ["n"])
        kept = helper.make_tensor_value_info("kept", elem, ["n", "heads", "len", "dim"])
        save(helper.make_graph([helper.make_node("Gather", ["cache", "indices"], ["kept"], axis=0)], "gather",
                               [whole, indices], [kept]), f"gather_{dtype}.onnx")
    print("wrote", os.path.abspath(OUT))


if __name__ == "__main__":
    main()
