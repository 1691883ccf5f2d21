import { accessSync, closeSync, constants, existsSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";

import { CotScError, FileError, InputError, withFile } from "../errors.js";
import { readJsonLines } from "../problems/read-json-lines.js";
import { inputErrorFromZod } from "../problems/zod-input-error.js";
import { type ProblemResult, type RunSettings, VOTE_RULES } from "../run/index.js";

/** The input a run read: the problem file and its content hash. */
export interface RunInput {
  file: string;
  sha256: string;
}

/**
 * The first line of a results file: what the results were made with. Readers of results files skip it
 * (it has no `id`); `--resume` compares it with the new run's settings.
 */
export interface ResultsHeader {
  cotScResults: 1;
  input: RunInput;
  settings: RunSettings;
}

/** The `--out` JSONL file: a header line, then one whole line per finished problem, appended as each finishes. */
export interface ResultsFile {
  /** Results already in the file (on --resume), in file order. */
  readonly previous: ProblemResult[];
  readonly doneIds: ReadonlySet<string>;
  append(result: ProblemResult): void;
  close(): void;
}

/**
 * Checks, before any work, that `path` can be written: not a directory, its folder exists and is
 * writable, the file itself writable if it exists. Throws a FileError naming the path and the flag.
 */
export function checkWritable(path: string, flag: string): void {
  const what = `write ${flag}`;
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new FileError(path, "EISDIR", what);
    withFile(path, what, () => accessSync(path, constants.W_OK));
    return;
  }
  const folder = dirname(resolve(path));
  if (!existsSync(folder)) throw new FileError(path, "ENOENT", `${what} (its folder ${folder} does not exist)`);
  if (!statSync(folder).isDirectory()) throw new FileError(path, "ENOTDIR", what);
  withFile(folder, `${what} into this folder`, () => accessSync(folder, constants.W_OK));
}

/** Whether a file exists and holds anything. */
function nonEmpty(path: string): boolean {
  return existsSync(path) && statSync(path).isFile() && statSync(path).size > 0;
}

/** Setting by setting, how two runs differ (`samples: 20 in the file, 10 now`). */
function differences(recorded: ResultsHeader, now: ResultsHeader): string[] {
  const flat = (header: ResultsHeader): Record<string, string> => ({
    "input file": header.input.file,
    "input content (sha256)": header.input.sha256,
    ...Object.fromEntries(Object.entries(header.settings).map(([key, value]) => [key, JSON.stringify(value)])),
  });
  const a = flat(recorded);
  const b = flat(now);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((key) => a[key] !== b[key])
    .map((key) => `${key}: ${a[key] ?? "(not recorded)"} in the file, ${b[key] ?? "(none)"} now`);
}

/**
 * Opens the results file for a run.
 *
 * - Without `resume`: an existing non-empty file is refused (a results file is never destroyed) unless
 *   `overwrite`; the file is written only when the first result arrives, so a run that fails at start
 *   leaves it untouched.
 * - With `resume`: the header must match `header` (same input file and content, model, prompt set,
 *   samples, seed, sampling, stopping, vote, version), else an error lists each difference; the lines
 *   already there are kept and their problems skipped; a torn last line (a run killed mid-write) is cut
 *   off, so that problem is solved again and ends up exactly once.
 */
/**
 * Checks `--out` before anything runs: writable, and not a file of results this run would replace without
 * `--overwrite`. `openResultsFile` checks again when it opens the file.
 */
export function checkResultsTarget(path: string, options: { resume: boolean; overwrite: boolean }): void {
  if (options.resume && options.overwrite) throw new CotScError("USAGE", "--resume and --overwrite contradict each other: keep the results or replace them");
  checkWritable(path, "--out");
  if (!options.resume && !options.overwrite && nonEmpty(path)) {
    throw new CotScError("OUT_EXISTS", `${path}: already holds results; add --resume to continue that run, --overwrite to replace it, or choose another --out`);
  }
}

export function openResultsFile(path: string, options: { resume: boolean; overwrite: boolean; header: ResultsHeader }): ResultsFile {
  const { resume, header } = options;
  checkResultsTarget(path, options);
  const previous: ProblemResult[] = [];
  const doneIds = new Set<string>();
  let keepBytes = 0;
  let hasHeader = false;
  if (resume && existsSync(path)) {
    const content = withFile(path, "read --out", () => readFileSync(path));
    let start = 0;
    let line = 0;
    while (start < content.length) {
      const end = content.indexOf(0x0a, start);
      if (end < 0) break; // no newline: a torn last line, dropped below
      line++;
      const text = content.subarray(start, end).toString("utf8");
      if (text.trim() !== "") {
        let parsed: ProblemResult & Partial<ResultsHeader>;
        try {
          parsed = JSON.parse(text) as ProblemResult & Partial<ResultsHeader>;
        } catch (error) {
          throw new InputError(`not a JSON line: ${(error as Error).message}`, path, line);
        }
        if (line === 1 && parsed.cotScResults !== undefined) {
          const found = differences(parsed as ResultsHeader, header);
          if (found.length > 0) {
            throw new InputError(`--resume: these results were made with other settings (use another --out, or --overwrite): ${found.join("; ")}`, path, 1);
          }
          hasHeader = true;
        } else {
          if (line === 1) {
            throw new InputError("--resume: this file has no settings line (made by another tool or an older cot-sc), so its results cannot be checked against this run", path, 1);
          }
          if (typeof parsed.id !== "string") throw new InputError("no string id", path, line, "id");
          if (!doneIds.has(parsed.id)) {
            doneIds.add(parsed.id);
            previous.push(parsed);
          }
        }
      }
      start = end + 1;
      keepBytes = start;
    }
  }
  let fd: number | undefined;
  const open = (): number => {
    if (fd !== undefined) return fd;
    fd = withFile(path, "write --out", () => openSync(path, resume ? "a+" : "w"));
    if (resume) ftruncateSync(fd, keepBytes);
    if (!hasHeader) writeSync(fd, `${JSON.stringify(header)}\n`);
    hasHeader = true;
    return fd;
  };
  return {
    previous,
    doneIds,
    append(result) {
      // one write call per whole line, so a kill leaves at most one torn line, which resume repairs
      writeSync(open(), `${JSON.stringify(result)}\n`);
    },
    close() {
      // a run that wrote no result leaves the file as it found it
      if (fd !== undefined) closeSync(fd);
    },
  };
}

/** Whether a parsed results-file line is the header rather than a result. */
export function isResultsHeader(value: unknown): value is ResultsHeader {
  return typeof value === "object" && value !== null && "cotScResults" in value;
}

// The fields of a result line that a reader of a finished run relies on (distill); the rest is kept as written.
const outcome = z.object({ answer: z.string().nullable(), share: z.number() });
const resultLine = z.looseObject({
  id: z.string(),
  question: z.string(),
  gold: z.string().nullable(),
  byRule: z.object(Object.fromEntries(VOTE_RULES.map((rule) => [rule, outcome])) as Record<(typeof VOTE_RULES)[number], typeof outcome>),
  chains: z.array(z.looseObject({ index: z.number().int(), text: z.string(), answer: z.string().nullable(), verified: z.boolean() })),
});
const headerLine = z.looseObject({ cotScResults: z.literal(1), settings: z.looseObject({}) });

/** Whether `file` starts with a results header: a `cot-sc run --out` file rather than problems. */
export async function isResultsFile(file: string): Promise<boolean> {
  for await (const { value } of readJsonLines(file)) return isResultsHeader(value);
  return false;
}

/**
 * A finished (or interrupted) run's results file, streamed: its header, then each result line checked
 * for the fields readers rely on (a bad line is an InputError naming the file, line and field). A torn
 * last line, left by a run killed mid-write, is reported as invalid JSON like any other.
 */
export async function readResultsFile(file: string): Promise<{ header: ResultsHeader; results: AsyncGenerator<ProblemResult> }> {
  const lines = readJsonLines(file);
  const first = await lines.next();
  if (first.done) throw new InputError("empty: expected a results file from cot-sc run --out", file);
  if (first.value.error !== undefined) throw first.value.error;
  const header = headerLine.safeParse(first.value.value);
  if (!header.success) throw new InputError("no settings line: not a results file from cot-sc run --out", file, first.value.line);
  async function* results(): AsyncGenerator<ProblemResult> {
    for await (const { line, value, error } of lines) {
      if (error !== undefined) throw error;
      const parsed = resultLine.safeParse(value);
      if (!parsed.success) throw inputErrorFromZod(parsed.error, file, line);
      yield parsed.data as unknown as ProblemResult;
    }
  }
  return { header: header.data as unknown as ResultsHeader, results: results() };
}
