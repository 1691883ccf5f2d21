import { closeSync, openSync, writeSync } from "node:fs";
import { resolve } from "node:path";

import { createEngine } from "../engine.js";
import { CotScError, withFile } from "../errors.js";
import { readProblems } from "../problems/index.js";
import { checkRunOptions, distill, distillStats, type DistillOptions, type EngineOptions, type ProblemResult, type RunSettings, type SolveOptions } from "../run/index.js";
import { countFlag, type Flags, numberFlag, type OptionName } from "./arguments.js";
import { checkResultsTarget, isResultsFile, readResultsFile } from "./results-file.js";

/** What still means something when the chains come from a results file (nothing is decoded). */
const FROM_RESULTS: ReadonlySet<OptionName> = new Set(["out", "overwrite", "min-share", "vote", "limit", "json", "verbose"]);

/**
 * `cot-sc distill <problems> --out distilled.jsonl`: solves the problems (gold answers optional) and
 * writes, as each finishes, the chains that give the voted answer, pass the verifier and come from a
 * problem whose vote share reaches `--min-share`: one `{question, chain, answer, provenance}` line each,
 * the training corpus's format. Gold answers only measure the pseudo-labels' precision, printed at the end.
 *
 * The input may also be a results file of `cot-sc run --out`: its recorded chains are distilled without
 * a model. That is how a long distillation survives an interruption (`run --out --resume`, then distill
 * the results), and how another `--min-share` or `--vote` is tried without decoding again.
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
  const out = values.out;
  // why: --out is opened for writing before the input is read; the same file would be emptied unread
  if (resolve(out) === resolve(file)) throw new CotScError("USAGE", `--out ${out} is the input file: choose another --out`);
  if (await isResultsFile(file)) {
    const unused = (Object.keys(values) as OptionName[]).filter((name) => values[name] !== undefined && !FROM_RESULTS.has(name));
    if (unused.length > 0) {
      throw new CotScError("USAGE", `${file} is a results file: its chains are distilled as recorded, so ${unused.map((name) => `--${name}`).join(", ")} cannot apply (give the problem file to decode anew)`);
    }
    const { header, results } = await readResultsFile(file);
    return write(first(results, limit), header.settings, async () => {});
  }
  const engine = await createEngine(engineOptions);
  const settings = engine.settings(solveOptions);
  return write(engine.run(first(readProblems(file), limit), { ...solveOptions, ...(concurrency !== undefined ? { concurrency } : {}) }), settings, () => engine.close());

  async function write(solved: AsyncIterable<ProblemResult>, settings: RunSettings, close: () => Promise<void>): Promise<number> {
    const results: ProblemResult[] = [];
    const fd = withFile(out, "write --out", () => openSync(out, "w"));
    try {
      for await (const result of solved) {
        results.push(result);
        // written as each problem finishes, so a long run loses nothing it has done
        for (const line of distill(result, options, settings)) withFile(out, "write --out", () => writeSync(fd, `${JSON.stringify(line)}\n`));
      }
    } finally {
      closeSync(fd);
      await close();
    }
    const stats = distillStats(results, options);
    const precision = stats.precision === null ? "no gold answers to measure it" : `${(100 * stats.precision).toFixed(1)}% of ${stats.graded} with gold`;
    log(`distilled ${stats.keptChains} chains from ${stats.keptProblems} of ${stats.problems} problems into ${out}; pseudo-label precision ${precision}`);
    if (values.json) process.stdout.write(`${JSON.stringify(stats)}\n`);
    return 0;
  }
}

/** The first `limit` items (all without a limit); the source is closed when the limit is reached. */
async function* first<T>(items: AsyncIterable<T>, limit: number | undefined): AsyncGenerator<T> {
  let read = 0;
  for await (const item of items) {
    if (limit !== undefined && read >= limit) return;
    read++;
    yield item;
  }
}
