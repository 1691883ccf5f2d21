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

const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EISDIR: "is a directory, not a file",
  ENOTDIR: "a part of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EEXIST: "already exists",
  EMFILE: "too many open files",
  ENAMETOOLONG: "file name too long",
};

/**
 * A file cot-sc cannot read or write (ENOENT, EISDIR, EACCES, …): names the path and what it was for.
 * `code` is `FILE_<errno>`, e.g. `FILE_ENOENT`.
 */
export class FileError extends CotScError {
  constructor(
    readonly path: string,
    readonly errno: string,
    what: string,
    options?: { cause?: unknown },
  ) {
    super(`FILE_${errno}`, `${path}: cannot ${what}: ${FILE_PROBLEMS[errno] ?? errno}`, options);
  }
}

/** A Node.js file-system error (it has an errno `code`), for turning it into a {@link FileError}. */
export function isFileSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string" && /^E[A-Z]+$/.test((error as NodeJS.ErrnoException).code!);
}

/** Runs `action` on `path`, turning its file-system errors into a FileError that names the path. */
export function withFile<T>(path: string, what: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (isFileSystemError(error)) throw new FileError(path, error.code, what, { cause: error });
    throw error;
  }
}

/** A prompt longer than the model's context. */
export class PromptTooLongError extends CotScError {
  constructor(
    readonly tokens: number | undefined,
    readonly limit: number,
    detail: string,
  ) {
    super("PROMPT_TOO_LONG", `the prompt is too long for the model: ${detail}; the model takes at most ${limit} positions`);
  }
}

/**
 * One problem of a set that cannot be solved as given (its prompt exceeds the model's context): names
 * the file, the line and the problem's id. `engine.run` with `skipInvalid` reports it and goes on.
 */
export class ProblemError extends CotScError {
  constructor(
    readonly problemId: string,
    readonly location: string | undefined,
    readonly reason: CotScError,
  ) {
    super(`PROBLEM_${reason.code}`, `${location === undefined ? "" : `${location} `}(id "${problemId}"): ${reason.message}`, { cause: reason });
  }
}
