/**
 * The one error base class of cot-sc. Every error names the input it is about, so a user can find it.
 *
 * @example
 * try { await createEngine({ model: "nowhere" }) } catch (error) {
 *   if (error instanceof CotScError) console.error(error.code, error.message);
 * }
 */
export class CotScError extends Error {
  /** A stable machine-readable code, e.g. `MODEL_FILE_MISSING`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A model directory or ONNX graph cot-sc cannot use: a missing file, an unknown layout, unmapped inputs. */
export class ModelLoadError extends CotScError {
  constructor(message: string, readonly path: string, options?: { cause?: unknown }) {
    super("MODEL_LOAD", `${path}: ${message}`, options);
  }
}

/** Bad input data: names the file, the 1-based line and the field. */
export class InputError extends CotScError {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(
      "INPUT",
      `${file}${line === undefined ? "" : `:${line}`}${field === undefined ? "" : ` (field "${field}")`}: ${message}`,
      options,
    );
  }
}

/** Options that fail validation; `issues` lists each bad field. */
export class OptionsError extends CotScError {
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super("OPTIONS", `${message}: ${issues.join("; ")}`);
  }
}

/** A device (GPU provider) that was asked for and is not available. */
export class DeviceError extends CotScError {
  constructor(message: string, readonly device: string, options?: { cause?: unknown }) {
    super("DEVICE", `device "${device}": ${message}`, options);
  }
}

/** The operation was cancelled through an AbortSignal. */
export class AbortError extends CotScError {
  constructor(message = "aborted") {
    super("ABORTED", message);
  }
}
