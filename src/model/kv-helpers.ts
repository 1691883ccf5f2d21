import { fileURLToPath } from "node:url";

import * as ort from "onnxruntime-node";

import { adopt } from "./device-tensors.js";
import type { KvType } from "./session.js";

/** The folder of the helper graphs (kv-graphs/ at the package root, written by training/kv_graphs.py). */
export const KV_GRAPHS = fileURLToPath(new URL("../../kv-graphs/", import.meta.url));

/**
 * Cache rearrangements run on the model's own provider, so a device-resident KV cache never visits
 * the host: copy one prompt's cache to k rows (left-padded), join groups of rows, keep the live rows.
 */
export class KvHelpers {
  private constructor(
    private readonly rowsSession: ort.InferenceSession,
    private readonly concatSession: ort.InferenceSession,
    private readonly gatherSession: ort.InferenceSession,
  ) {}

  static async create(provider: "webgpu", kvType: KvType): Promise<KvHelpers> {
    const options: ort.InferenceSession.SessionOptions = { executionProviders: [provider], preferredOutputLocation: "gpu-buffer" };
    const [rows, concat, gather] = await Promise.all(
      ["rows", "concat", "gather"].map((name) => ort.InferenceSession.create(`${KV_GRAPHS}${name}_${kvType}.onnx`, options)),
    );
    return new KvHelpers(rows!, concat!, gather!);
  }

  /** [1, heads, len, dim] → [rows, heads, width, dim]: left-padded with zeros to `width`, copied to `rows`. */
  async rows(cache: ort.Tensor, width: number, rows: number): Promise<ort.Tensor> {
    const [, heads, length, dim] = cache.dims as [number, number, number, number];
    const pads = BigInt64Array.from([0, 0, width - length, 0, 0, 0, 0, 0].map(BigInt));
    const shape = BigInt64Array.from([rows, heads, width, dim].map(BigInt));
    const out = await this.rowsSession.run({
      cache,
      pads: new ort.Tensor("int64", pads, [8]),
      shape: new ort.Tensor("int64", shape, [4]),
    });
    return adopt(out.rows as ort.Tensor);
  }

  async concat(a: ort.Tensor, b: ort.Tensor): Promise<ort.Tensor> {
    const out = await this.concatSession.run({ a, b });
    return adopt(out.joined as ort.Tensor);
  }

  async gather(cache: ort.Tensor, keep: Int32Array, count: number): Promise<ort.Tensor> {
    const indices = new BigInt64Array(count);
    for (let i = 0; i < count; i++) indices[i] = BigInt(keep[i]!);
    const out = await this.gatherSession.run({ cache, indices: new ort.Tensor("int64", indices, [count]) });
    return adopt(out.kept as ort.Tensor);
  }

  async release(): Promise<void> {
    await Promise.all([this.rowsSession.release(), this.concatSession.release(), this.gatherSession.release()]);
  }
}
