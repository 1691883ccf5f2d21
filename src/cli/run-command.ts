import { createHash } from "node:crypto";
import { createReadStream, existsSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

import { CotScError, FileError, withFile } from "../errors.js";
import { createEngine } from "../engine.js";
import { checkRunOptions, type EngineOptions, type ProblemResult, type SolveOptions, summarize } from "../run/index.js";
import { readProblems, type Problem } from "../problems/index.js";
import { countFlag, type Flags } from "./arguments.js";
import { createProgress } from "./progress.js";
import { renderReport } from "./report.js";
import { checkResultsTarget, checkWritable, openResultsFile, type RunInput } from "./results-file.js";
import { formatSummaryTable } from "./summary-table.js";

/** The problem file's absolute path, content hash and number of non-empty lines (JSONL) or records. */
async function describeInput(file: string): Promise<RunInput & { records: number | undefined }> {
  if (!existsSync(file)) throw new FileError(file, "ENOENT", "read the problem file");
  if (statSync(file).isDirectory()) throw new FileError(file, "EISDIR", "read the problem file");
  const hash = createHash("sha256");
  let lines = 0;
  let lineHasText = false;
  const chunks: Buffer[] = [];
  const isJsonArray = file.toLowerCase().endsWith(".json");
  await new Promise<void>((done, fail) => {
    createReadStream(file)
      .on("data", (chunk: Buffer | string) => {
        const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        hash.update(buffer);
        if (isJsonArray) chunks.push(buffer);
        for (const byte of buffer) {
          if (byte === 0x0a) {
            if (lineHasText) lines++;
            lineHasText = false;
          } else if (byte !== 0x20 && byte !== 0x0d && byte !== 0x09) {
            lineHasText = true;
          }
        }
      })
      .on("end", () => done())
      .on("error", (error: NodeJS.ErrnoException) => fail(new FileError(file, error.code ?? "EIO", "read the problem file", { cause: error })));
  });
  if (lineHasText) lines++;
  let records: number | undefined = lines;
  if (isJsonArray) {
    try {
      const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8").replace(/^\uFEFF/, ""));
      records = Array.isArray(value) ? value.length : undefined;
    } catch {
      records = undefined; // readProblems reports the bad JSON with its own error
    }
  }
  return { file: resolve(file), sha256: hash.digest("hex"), records };
}

/**
 * `cot-sc run <problems>`: solves a problem set, writing one JSON line per problem as it finishes
 * (`--out`, resumable with `--resume`), then prints the summary (`--json`: as JSON) and writes
 * `--summary` / `--report`. Every output path is checked before the model loads, an existing results
 * file is never replaced without `--overwrite`, and a resumed file must have been made with the same
 * settings.
 */
export async function runCommand(file: string, values: Flags, engineOptions: EngineOptions, solveOptions: SolveOptions): Promise<number> {
  const started = performance.now();
  const limit = countFlag(values, "limit", 0);
  const concurrency = countFlag(values, "concurrency");
  if (values.resume && !values.out) throw new CotScError("USAGE", "--resume needs --out: the results file to continue");
  if (values.overwrite && !values.out) throw new CotScError("USAGE", "--overwrite needs --out: the results file to replace");
  checkRunOptions({ ...solveOptions, ...(concurrency !== undefined ? { concurrency } : {}) });
  const input = await describeInput(file);
  if (values.out) checkResultsTarget(values.out, { resume: values.resume === true, overwrite: values.overwrite === true });
  if (values.summary) checkWritable(values.summary, "--summary");
  if (values.report) checkWritable(values.report, "--report");
  const outputs = [values.out, values.summary, values.report].filter((path): path is string => path !== undefined).map((path) => resolve(path));
  if (new Set(outputs).size < outputs.length) throw new CotScError("USAGE", "--out, --summary and --report must be different files");
  if (outputs.includes(input.file)) throw new CotScError("USAGE", `${file}: the problem file cannot also be an output`);

  const engine = await createEngine(engineOptions);
  const skipped: string[] = [];
  let results;
  let settings;
  try {
    settings = engine.settings(solveOptions);
    results = values.out
      ? openResultsFile(values.out, {
          resume: values.resume === true,
          overwrite: values.overwrite === true,
          header: { cotScResults: 1, input: { file: input.file, sha256: input.sha256 }, settings },
        })
      : undefined;
  } catch (error) {
    await engine.close();
    throw error;
  }
  const previous = results?.previous ?? [];
  const done = new Set(results?.doneIds ?? []);

  async function* pending(): AsyncGenerator<Problem> {
    let taken = 0;
    for await (const problem of readProblems(file, {
      skipInvalid: values["skip-invalid"] === true,
      onInvalid: (error) => skipped.push(error.message),
    })) {
      if (limit !== undefined && taken >= limit) return;
      taken++;
      if (done.has(problem.id)) continue; // already in --out (resume)
      yield problem;
    }
  }

  const known = input.records === undefined ? undefined : Math.min(input.records, limit ?? Infinity);
  const fresh: ProblemResult[] = [];
  // the bar counts this invocation's problems; the ones resumed from --out are named, not mixed in
  const progress = createProgress({
    total: known === undefined ? undefined : Math.max(0, known - previous.length),
    stream: process.stderr,
    label: previous.length > 0 ? `${file} (${previous.length} done before)` : file,
  });
  let chains = 0;
  let graded = 0;
  let correct = 0;
  try {
    const options = {
      ...solveOptions,
      ...(concurrency !== undefined ? { concurrency } : {}),
      skipInvalid: values["skip-invalid"] === true,
      onSkipped: (error: Error) => skipped.push(error.message),
    };
    for await (const result of engine.run(pending(), options)) {
      results?.append(result);
      fresh.push(result);
      chains += result.samplesUsed;
      if (result.correct !== null) {
        graded++;
        if (result.correct) correct++;
      }
      progress.update({ done: fresh.length, correct, graded, chains, elapsedMs: performance.now() - started });
    }
  } finally {
    progress.finish();
    results?.close();
    await engine.close();
  }
  for (const message of skipped) process.stderr.write(`skipped: ${message}\n`);
  const all = [...previous, ...fresh];
  const wallSeconds = (performance.now() - started) / 1000;
  const summary = summarize(all, {
    wallSeconds,
    timed: fresh,
    decoded: engine.info.backend !== "replay",
    provenance: { input: { file: input.file, sha256: input.sha256 }, settings, skipped: skipped.length },
  });
  process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummaryTable(summary)}\n`);
  if (values.summary) {
    const path = values.summary;
    withFile(path, "write --summary", () => writeFileSync(path, `${JSON.stringify(summary, null, 2)}\n`));
  }
  if (values.report) {
    const path = values.report;
    const command = `cot-sc run ${process.argv.slice(3).join(" ")}`;
    const html = renderReport(all, summary, { title: `cot-sc: ${file}`, command, generatedAt: new Date().toISOString(), ...(engine.info.model ? { model: engine.info.model } : {}) });
    withFile(path, "write --report", () => writeFileSync(path, html));
  }
  return 0;
}
