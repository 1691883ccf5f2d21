import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { InputError } from "../errors.js";
import { detectJsonlFormat, problemFormats, type ProblemFormat, type ProblemFormatName } from "./formats.js";
import type { Problem } from "./problem.js";
import { readJsonLines } from "./read-json-lines.js";
import { inputErrorFromZod } from "./zod-input-error.js";

export interface ReadProblemsOptions {
  /** Report bad records through `onInvalid` and go on, instead of throwing the first one. */
  skipInvalid?: boolean;
  /** Called with each skipped record's error when `skipInvalid` is set. */
  onInvalid?: (error: InputError) => void;
  /** Force a format instead of detecting it from the extension and the first record. */
  format?: ProblemFormatName;
}

/**
 * Reads a problem set: our JSONL (`{id, question, answer}`), GSM8K's JSONL as it is, SVAMP's JSON array,
 * or a recorded-chains JSONL. JSONL is streamed line by line, so large files are never held whole.
 * A bad record (invalid JSON, a missing or mistyped field, a duplicate id) is an InputError naming the
 * file, the 1-based line and the field, unless `skipInvalid` is set.
 *
 * @example
 * for await (const problem of readProblems("fixtures/easy.jsonl")) console.log(problem.id, problem.gold);
 * const skipped: InputError[] = [];
 * for await (const problem of readProblems("big.jsonl", { skipInvalid: true, onInvalid: (e) => skipped.push(e) })) { ... }
 */
export async function* readProblems(file: string, options: ReadProblemsOptions = {}): AsyncGenerator<Problem> {
  const seen = new Set<string>();
  const isSvamp = options.format === "svamp" || (options.format === undefined && extname(file).toLowerCase() === ".json");
  const records = isSvamp ? readSvampRecords(file) : readJsonlRecords(file, options.format);
  for await (const record of records) {
    try {
      if (record.error !== undefined) throw record.error;
      const parsed = record.format.schema.safeParse(record.value);
      if (!parsed.success) throw inputErrorFromZod(parsed.error, file, record.line, record.fieldPrefix);
      const problem: Problem = {
        ...record.format.toProblem(parsed.data as never, record.position),
        source: { file, ...(record.line !== undefined ? { line: record.line } : {}), ...(record.fieldPrefix !== undefined ? { field: record.fieldPrefix } : {}) },
      };
      if (seen.has(problem.id)) {
        throw new InputError(`duplicate id "${problem.id}"`, file, record.line, record.fieldPrefix === undefined ? "id" : `${record.fieldPrefix}.ID`);
      }
      seen.add(problem.id);
      yield problem;
    } catch (error) {
      if (!(error instanceof InputError) || !options.skipInvalid) throw error;
      options.onInvalid?.(error);
    }
  }
}

/** A raw record and where it sits: `line` for JSONL, `fieldPrefix` ("[12]") for SVAMP's array. */
type RawRecord =
  | { format: ProblemFormat; value: unknown; position: number; line?: number; fieldPrefix?: string; error?: undefined }
  | { error: InputError };

async function* readJsonlRecords(file: string, forced: ProblemFormatName | undefined): AsyncGenerator<RawRecord> {
  let format = forced === undefined ? undefined : problemFormats[forced];
  for await (const { line, value, error } of readJsonLines(file)) {
    if (error !== undefined) {
      yield { error };
      continue;
    }
    // Why the first valid record decides: formats differ in their keys, and files do not mix formats.
    format ??= problemFormats[detectJsonlFormat(value)];
    yield { format, value, position: line, line };
  }
}

async function* readSvampRecords(file: string): AsyncGenerator<RawRecord> {
  // Why read whole: SVAMP is one JSON array (340 kB); there is no line structure to stream.
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError(`cannot read file: ${error instanceof Error ? error.message : String(error)}`, file, undefined, undefined, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new InputError(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`, file, undefined, undefined, { cause: error });
  }
  if (!Array.isArray(value)) throw new InputError("expected a JSON array of SVAMP records", file);
  for (const [index, item] of value.entries()) {
    yield { format: problemFormats.svamp, value: item, position: index + 1, fieldPrefix: `[${index}]` };
  }
}
