"""The split-cache graph with 8-bit weights: every MatMul whose right-hand side is a 2-D float32 weight
becomes onnxruntime's com.microsoft MatMulNBits (bits 8, blocks of 32 along K, symmetric, no zero points
stored, so each block's zero point is the op's default 128), with accuracy_level 4: onnxruntime quantizes
the activations to int8 per block too and multiplies with int8 dot products (VNNI where the CPU has it).

Why: a decode step at small k streams the weights once per step, and at large k the matmuls dominate;
8-bit weights move a quarter of the bytes and the int8 kernels do more per instruction. The attention
MatMuls (activations only) and everything else stay float32. The result is not bitwise the float32
graph's: near-ties can flip a greedy token (54 of 60 development problems kept every greedy token in the
first measurement), so `cot-sc` offers it as a choice (`--graph split-cache-int8`), measured by the
accuracy bench, not as the default.

    training/python.sh training/quantize_int8.py --graph DIR/model_split_cache.onnx --out DIR/model_split_cache_int8.onnx
"""
from __future__ import annotations

import argparse
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper

BITS = 8
BLOCK = 32
# MatMulNBits' default zero point for 8 bits is 2^(bits-1): stored values 1..255 stand for -127..127
ZERO = 1 << (BITS - 1)


def quantize_weight(w: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray]:
    """[K, N] float32 → (uint8 [N, K / block, block], float32 scales [N * K / block]), symmetric per block."""
    k, n = w.shape
    blocks = -(-k // block)
    padded = np.zeros((blocks * block, n), np.float32)
    padded[:k] = w
    by_block = padded.T.reshape(n, blocks, block)
    scales = np.abs(by_block).max(axis=2) / 127.0
    scales[scales == 0] = 1.0  # an all-zero block: any scale reproduces it
    q = np.clip(np.rint(by_block / scales[:, :, None]), -127, 127).astype(np.int32) + ZERO
    return q.astype(np.uint8), scales.astype(np.float32).reshape(n * blocks)


def quantize_graph(model: onnx.ModelProto, block: int = BLOCK) -> int:
    """Rewrites the weight MatMuls in place; returns how many."""
    graph = model.graph
    weights = {t.name: t for t in graph.initializer}
    uses: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1
    nodes, dropped, count = [], set(), 0
    for node in graph.node:
        weight = weights.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if weight is None or len(weight.dims) != 2 or weight.data_type != onnx.TensorProto.FLOAT:
            nodes.append(node)
            continue
        w = numpy_helper.to_array(weight)
        k, n = w.shape
        q, scales = quantize_weight(w, block)
        graph.initializer.extend([numpy_helper.from_array(q, f"{weight.name}.q8"), numpy_helper.from_array(scales, f"{weight.name}.scales")])
        if uses[weight.name] == 1:
            dropped.add(weight.name)
        nodes.append(helper.make_node("MatMulNBits", [node.input[0], f"{weight.name}.q8", f"{weight.name}.scales"], list(node.output),
                                      name=f"{node.name}.q8", domain="com.microsoft", K=k, N=n, bits=BITS, block_size=block, accuracy_level=4))
        count += 1
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [t for t in graph.initializer if t.name not in dropped]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return count


def write_int8(split_cache_path: str, out: str, block: int = BLOCK) -> None:
    model = onnx.load(split_cache_path)
    count = quantize_graph(model, block)
    if count == 0:
        raise SystemExit(f"{split_cache_path}: no MatMul with a 2-D float32 weight to quantize")
    onnx.save(model, out)
    print(f"wrote {out} ({count} weight MatMuls at {BITS} bits, blocks of {block}; {os.path.getsize(out) / 1e6:.1f} MB)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", required=True, help="a split-cache graph (model_split_cache.onnx)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--block-size", type=int, default=BLOCK)
    args = ap.parse_args()
    write_int8(args.graph, args.out, args.block_size)


if __name__ == "__main__":
    main()
