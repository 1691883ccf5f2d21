/**
 * Worker-thread entry: owns one model session and runs decode jobs, so that onnxruntime's synchronous
 * `session.run` never blocks the caller's event loop. Protocol: see worker-decoder.ts.
 */
import { parentPort, workerData } from "node:worker_threads";

import { decode, type DecodeJob } from "./decoder.js";
import { describeModel, loadModel, type LoadModelOptions } from "./loaded-model.js";

interface WorkerInit {
  directory: string;
  options: LoadModelOptions;
}

type Incoming =
  | { type: "decode"; id: number; job: DecodeJob; abortFlag: SharedArrayBuffer; withForce: boolean }
  | { type: "force-result"; requestId: number; text: string | undefined }
  | { type: "close" };

const port = parentPort!;
const init = workerData as WorkerInit;
const waiting = new Map<number, (text: string | undefined) => void>();
let nextRequest = 0;

const modelPromise = loadModel(init.directory, init.options);
modelPromise.then(
  (model) =>
    port.postMessage({
      type: "ready",
      info: describeModel(model),
    }),
  (error: Error) => port.postMessage({ type: "init-error", error: serializeError(error) }),
);

port.on("message", (message: Incoming) => {
  if (message.type === "force-result") {
    waiting.get(message.requestId)?.(message.text);
    waiting.delete(message.requestId);
  } else if (message.type === "close") {
    void modelPromise.then((model) => model.close()).finally(() => port.close());
  } else {
    void run(message);
  }
});

async function run(message: Extract<Incoming, { type: "decode" }>): Promise<void> {
  const flag = new Int32Array(message.abortFlag);
  try {
    const model = await modelPromise;
    const result = await decode(model, message.job, {
      aborted: () => Atomics.load(flag, 0) !== 0,
      ...(message.withForce
        ? {
            force: (text: string, group: number, index: number) =>
              new Promise<string | undefined>((resolve) => {
                const requestId = nextRequest++;
                waiting.set(requestId, resolve);
                port.postMessage({ type: "force", id: message.id, requestId, text, group, index });
              }),
          }
        : {}),
    });
    port.postMessage({ type: "result", id: message.id, result });
  } catch (error) {
    port.postMessage({ type: "error", id: message.id, error: serializeError(error as Error) });
  }
}

function serializeError(error: Error): { name: string; message: string; code?: string } {
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === "string" ? { code } : {}) };
}
