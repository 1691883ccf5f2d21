import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";

import { InputError } from "../errors.js";
import type { ProblemResult } from "../run/index.js";

/** The `--out` JSONL file: one whole line per finished problem, appended as each finishes. */
export interface ResultsFile {
  /** Results already in the file (on --resume), in file order. */
  readonly previous: ProblemResult[];
  readonly doneIds: ReadonlySet<string>;
  append(result: ProblemResult): void;
  close(): void;
}

/**
 * Opens the results file. Without `resume` it is truncated. With `resume`, the lines already there are
 * kept and their problems skipped; a torn last line (a run killed mid-write) is cut off, so the problem
 * is solved again and ends up exactly once.
 */
export function openResultsFile(path: string, resume: boolean): ResultsFile {
  const previous: ProblemResult[] = [];
  const doneIds = new Set<string>();
  let keepBytes = 0;
  if (resume && existsSync(path)) {
    const content = readFileSync(path);
    let start = 0;
    let line = 0;
    while (start < content.length) {
      const end = content.indexOf(0x0a, start);
      if (end < 0) break; // no newline: a torn last line, dropped below
      line++;
      const text = content.subarray(start, end).toString("utf8");
      if (text.trim() !== "") {
        let parsed: ProblemResult;
        try {
          parsed = JSON.parse(text) as ProblemResult;
        } catch (error) {
          throw new InputError(`not a JSON line: ${(error as Error).message}`, path, line);
        }
        if (typeof parsed.id !== "string") throw new InputError("no string id", path, line, "id");
        if (!doneIds.has(parsed.id)) {
          doneIds.add(parsed.id);
          previous.push(parsed);
        }
      }
      start = end + 1;
      keepBytes = start;
    }
  }
  const fd = openSync(path, resume ? "a+" : "w");
  if (resume) ftruncateSync(fd, keepBytes);
  return {
    previous,
    doneIds,
    append(result) {
      // one write call per whole line, so a kill leaves at most one torn line, which resume repairs
      writeSync(fd, `${JSON.stringify(result)}\n`);
    },
    close() {
      closeSync(fd);
    },
  };
}
