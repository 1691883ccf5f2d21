export { decode, type DecodedChain, type DecodeGroup, type DecodeJob, type DecodeResult } from "./decoder.js";
export { loadModel, type GraphChoice, type LoadedModel, type LoadModelOptions } from "./loaded-model.js";
export { type ModelConfig, type ModelFiles, resolveModelDirectory, SHIPPED_MODEL } from "./model-dir.js";
export { createSession, readSignature, type GraphLayout, type GraphSignature, type SessionTuning } from "./session.js";
export { type DecodeCallOptions, type DecoderHandle, type DecoderInfo, startDecoder } from "./worker-decoder.js";
export { chooseDevice, type Device, type DeviceChoice, type DeviceRequest } from "./device.js";
export { liveDeviceTensors } from "./device-tensors.js";
