import { closeSync, openSync, writeSync } from "node:fs";

import { createEngine } from "../engine.js";
import { CotScError, withFile } from "../errors.js";
import { readProblems } from "../problems/index.js";
import { checkRunOptions, distill, distillStats, type DistillOptions, type EngineOptions, type ProblemResult, type SolveOptions } from "../run/index.js";
import { countFlag, type Flags, numberFlag } from "./arguments.js";
import { checkResultsTarget } from "./results-file.js";

/**
 * `cot-sc distill <problems> --out distilled.jsonl`: solves the problems (gold answers optional) and
 * writes, as each finishes, the chains that give the voted answer, pass the verifier and come from a
 * problem whose vote share reaches `--min-share`: one `{question, chain, answer, provenance}` line each,
 * the training corpus's format. Gold answers only measure the pseudo-labels' precision, printed at the end.
 */
export async function distillCommand(file: string, values: Flags, engineOptions: EngineOptions, solveOptions: SolveOptions, log: (line: string) => void): Promise<number> {
  if (!values.out) throw new CotScError("USAGE", "distill needs --out: the file the distilled chains are written to");
  const minShare = numberFlag(values, "min-share") ?? 0.5;
  if (!(minShare >= 0 && minShare <= 1)) throw new CotScError("USAGE", `--min-share: expected 0 to 1, got ${minShare}`);
  const limit = countFlag(values, "limit", 0);
  const concurrency = countFlag(values, "concurrency");
  checkRunOptions({ ...solveOptions, ...(concurrency !== undefined ? { concurrency } : {}) });
  checkResultsTarget(values.out, { resume: false, overwrite: values.overwrite === true });
  const options: DistillOptions = { minShare, rule: solveOptions.vote ?? "majority" };
  const engine = await createEngine(engineOptions);
  const results: ProblemResult[] = [];
  const out = values.out;
  const fd = withFile(out, "write --out", () => openSync(out, "w"));
  try {
    const settings = engine.settings(solveOptions);
    let read = 0;
    const problems = (async function* () {
      for await (const problem of readProblems(file)) {
        if (limit !== undefined && read >= limit) return;
        read++;
        yield problem;
      }
    })();
    for await (const result of engine.run(problems, { ...solveOptions, ...(concurrency !== undefined ? { concurrency } : {}) })) {
      results.push(result);
      // written as each problem finishes, so a long run loses nothing it has done
      for (const line of distill(result, options, settings)) withFile(out, "write --out", () => writeSync(fd, `${JSON.stringify(line)}\n`));
    }
  } finally {
    closeSync(fd);
    await engine.close();
  }
  const stats = distillStats(results, options);
  const precision = stats.precision === null ? "no gold answers to measure it" : `${(100 * stats.precision).toFixed(1)}% of ${stats.graded} with gold`;
  log(`distilled ${stats.keptChains} chains from ${stats.keptProblems} of ${stats.problems} problems into ${out}; pseudo-label precision ${precision}`);
  if (values.json) process.stdout.write(`${JSON.stringify(stats)}\n`);
  return 0;
}
