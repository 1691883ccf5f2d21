import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import * as ort from "onnxruntime-node";

import { DeviceError } from "../errors.js";

/** Where decoding runs. `auto`: CUDA if its libraries load, else a hardware WebGPU adapter, else the CPU. */
export type DeviceRequest = "cpu" | "webgpu" | "cuda" | "auto";
export type Device = "cpu" | "webgpu" | "cuda";

export interface DeviceChoice {
  device: Device;
  /** Why each device before the chosen one was passed over (for `auto`), or why this one was taken. */
  reasons: string[];
}

/** The folder onnxruntime-node loads provider libraries from. */
function providerFolder(): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("onnxruntime-node/package.json"));
  return join(root, "bin", "napi-v6", process.platform, process.arch);
}

/** Whether onnxruntime-node's CUDA provider library is installed (its postinstall is skipped offline). */
export function cudaLibrariesPresent(): boolean {
  return existsSync(join(providerFolder(), "libonnxruntime_providers_cuda.so"));
}

/**
 * A heuristic for "a GPU is attached": an NVIDIA device node, or a DRM render node. Software Vulkan
 * (lavapipe) also offers a WebGPU adapter, but `auto` should not pick a CPU emulating a GPU.
 */
export function hardwareGpuPresent(): boolean {
  if (existsSync("/dev/nvidia0")) return true;
  try {
    return readdirSync("/dev/dri").some((name) => name.startsWith("renderD"));
  } catch {
    return false;
  }
}

/** Checks that a provider can create a session on this machine (a tiny graph, once per process). */
async function providerWorks(provider: "webgpu" | "cuda", probeGraph: string): Promise<string | undefined> {
  try {
    const session = await ort.InferenceSession.create(probeGraph, { executionProviders: [provider] });
    await session.release();
    return undefined;
  } catch (error) {
    return (error as Error).message.split("\n")[0];
  }
}

/**
 * Resolves a device request into the device to use, with reasons. Asking for a device that is not
 * there is a DeviceError naming the device and the cause.
 */
export async function chooseDevice(request: DeviceRequest, probeGraph: string): Promise<DeviceChoice> {
  if (request === "cpu") return { device: "cpu", reasons: ["asked for the CPU"] };
  if (request === "cuda") {
    if (!cudaLibrariesPresent()) {
      throw new DeviceError(
        `onnxruntime-node's CUDA provider libraries are not installed in ${providerFolder()} (see README: GPU)`,
        "cuda",
      );
    }
    const failure = await providerWorks("cuda", probeGraph);
    if (failure) throw new DeviceError(`the CUDA provider does not start: ${failure}`, "cuda");
    return { device: "cuda", reasons: ["asked for CUDA"] };
  }
  if (request === "webgpu") {
    const failure = await providerWorks("webgpu", probeGraph);
    if (failure) throw new DeviceError(`no WebGPU adapter: ${failure}`, "webgpu");
    return { device: "webgpu", reasons: ["asked for WebGPU"] };
  }
  const reasons: string[] = [];
  if (!cudaLibrariesPresent()) reasons.push("cuda: provider libraries not installed");
  else {
    const failure = await providerWorks("cuda", probeGraph);
    if (!failure) return { device: "cuda", reasons: [...reasons, "cuda: libraries load"] };
    reasons.push(`cuda: ${failure}`);
  }
  if (!hardwareGpuPresent()) reasons.push("webgpu: no GPU device node (/dev/nvidia0, /dev/dri/renderD*); software adapters are not picked by auto");
  else {
    const failure = await providerWorks("webgpu", probeGraph);
    if (!failure) return { device: "webgpu", reasons: [...reasons, "webgpu: hardware adapter found"] };
    reasons.push(`webgpu: ${failure}`);
  }
  return { device: "cpu", reasons: [...reasons, "cpu: always available"] };
}
