import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { InputError } from "../errors.js";

/** One non-blank line of a JSONL file: its parsed value, or the error that parsing it raised. */
export type JsonLine =
  | { line: number; value: unknown; error?: undefined }
  | { line: number; value?: undefined; error: InputError };

/**
 * Streams a JSONL file line by line (the file is never held whole), yielding each non-blank line's
 * parsed value with its 1-based line number. Invalid JSON is yielded as an InputError, not thrown,
 * so the caller can choose to skip it; a file that cannot be read throws. With `stream` (standard
 * input, say), that stream is read instead and `file` is only the name errors give it.
 *
 * @example
 * for await (const { line, value, error } of readJsonLines("fixtures/easy.jsonl")) {
 *   if (error) throw error;
 *   console.log(line, value);
 * }
 */
export async function* readJsonLines(file: string, stream?: NodeJS.ReadableStream): AsyncGenerator<JsonLine> {
  const input = stream ?? createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const rawText of lines) {
      line += 1;
      // Why: a UTF-8 byte-order mark at the start of the file would make the first line invalid JSON.
      const text = line === 1 ? rawText.replace(/^\uFEFF/, "") : rawText;
      if (text.trim() === "") continue;
      try {
        yield { line, value: JSON.parse(text) as unknown };
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        yield { line, error: new InputError(`invalid JSON: ${error.message}`, file, line, undefined, { cause: error }) };
      }
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read file: ${error instanceof Error ? error.message : String(error)}`, file, undefined, undefined, {
      cause: error,
    });
  } finally {
    // Why: a consumer that stops early (break) must not leave the file descriptor open.
    lines.close();
    // why: standard input belongs to the process, not to this reader
    if (stream === undefined) (input as ReturnType<typeof createReadStream>).destroy();
  }
}
