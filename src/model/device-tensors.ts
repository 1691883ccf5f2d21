import type * as ort from "onnxruntime-node";

// Device-resident tensors are not garbage collected: each must be disposed. cot-sc counts the ones it
// holds, so tests (and leak hunts) can check that a decode released every one.
let live = 0;

/** Take ownership of a tensor that a run returned on the device. */
export function adopt<T extends ort.Tensor>(tensor: T): T {
  if (tensor.location !== "cpu") live++;
  return tensor;
}

/** Release a tensor cot-sc owns (a no-op for host tensors). */
export function release(tensor: ort.Tensor): void {
  if (tensor.location === "cpu") return;
  tensor.dispose();
  live--;
}

/** Device tensors currently held by cot-sc across all decodes in this thread. */
export function liveDeviceTensors(): number {
  return live;
}
