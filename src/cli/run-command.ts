import { writeFileSync } from "node:fs";

import { createEngine, type EngineOptions, type ProblemResult, type SolveOptions, summarize } from "../run/index.js";
import { readProblems, type Problem } from "../problems/index.js";
import { type Flags, numberFlag } from "./arguments.js";
import { createProgress } from "./progress.js";
import { renderReport } from "./report.js";
import { openResultsFile } from "./results-file.js";
import { formatSummaryTable } from "./summary-table.js";

/**
 * `cot-sc run <problems>`: solves a problem set, writing one JSON line per problem as it finishes
 * (`--out`, resumable with `--resume`), then prints the summary and writes `--summary` / `--report`.
 */
export async function runCommand(file: string, values: Flags, engineOptions: EngineOptions, solveOptions: SolveOptions): Promise<number> {
  const started = performance.now();
  const results = values.out ? openResultsFile(values.out, values.resume === true) : undefined;
  const limit = numberFlag(values, "limit");
  const concurrency = numberFlag(values, "concurrency");
  const skipped: string[] = [];
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

  const engine = await createEngine(engineOptions);
  const fresh: ProblemResult[] = [];
  const progress = createProgress({ total: undefined, stream: process.stderr, label: file });
  let chains = 0;
  let graded = 0;
  let correct = 0;
  try {
    for await (const result of engine.run(pending(), { ...solveOptions, ...(concurrency !== undefined ? { concurrency } : {}) })) {
      results?.append(result);
      fresh.push(result);
      chains += result.samplesUsed;
      if (result.correct !== null) {
        graded++;
        if (result.correct) correct++;
      }
      progress.update({ done: previous.length + fresh.length, correct, graded, chains, elapsedMs: performance.now() - started });
    }
  } finally {
    progress.finish();
    results?.close();
    await engine.close();
  }
  for (const message of skipped) process.stderr.write(`skipped: ${message}\n`);
  const all = [...previous, ...fresh];
  const wallSeconds = (performance.now() - started) / 1000;
  // throughput is this invocation's own (resumed results were decoded earlier)
  const summary = summarize(all, wallSeconds, fresh);
  process.stdout.write(`${formatSummaryTable(summary)}\n`);
  if (values.summary) writeFileSync(values.summary, `${JSON.stringify(summary, null, 2)}\n`);
  if (values.report) {
    const command = `cot-sc run ${process.argv.slice(3).join(" ")}`;
    writeFileSync(values.report, renderReport(all, summary, { title: `cot-sc: ${file}`, command, generatedAt: new Date().toISOString(), ...(engine.info.model ? { model: engine.info.model } : {}) }));
  }
  return 0;
}
