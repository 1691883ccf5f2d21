/**
 * Where a decode step's time goes: onnxruntime's own per-node timings of cot-sc's split-cache graph,
 * summed by operator type, beside the step's wall time (the rest is the run call's overhead and the host
 * work between steps: sampling, cache writes).
 *
 *   npx tsx bench/profile-step.ts [--k 32] [--tokens 64] [--threads N] [--model DIR]
 *
 * The prompt is bench/speed.ts's; k chains of exactly --tokens tokens (EOS ignored) at temperature 1,
 * after a warm-up run that is not counted. Prints a table; writes nothing else (the trace file is removed).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { decode } from "../src/model/decoder.js";
import { loadModel } from "../src/model/loaded-model.js";
import { SHIPPED_MODEL } from "../src/model/model-dir.js";

const { values: flags } = parseArgs({
  options: { k: { type: "string", default: "32" }, tokens: { type: "string", default: "64" }, threads: { type: "string" }, model: { type: "string" } },
});
const k = Number(flags.k);
const tokens = Number(flags.tokens);
const threads = Number(flags.threads ?? availableParallelism());
const question = (JSON.parse(readFileSync(new URL("../fixtures/hard.jsonl", import.meta.url), "utf8").split("\n")[1]!) as { question: string }).question;

const scratch = mkdtempSync(join(tmpdir(), "cot-sc-profile-"));
try {
  const model = await loadModel(resolve(flags.model ?? process.env.COT_SC_MODEL ?? SHIPPED_MODEL), {
    graph: "split-cache",
    session: { intraOpThreads: threads, profilePrefix: join(scratch, "decode") },
  });
  const promptIds = model.encode(`Q: ${question}\nA: `);
  const run = (maxTokens: number): ReturnType<typeof decode> =>
    decode(
      model,
      { groups: [{ promptIds, count: k, seed: 1, firstIndex: 0 }], maxTokens, sampling: { temperature: 1, topK: 0, topP: 1 }, stop: [], stopAtAnswerLine: false, ignoreEos: true },
      { aborted: () => false },
    );
  await run(8); // warm-up: its steps are in the trace too, and are left out below by their run index
  const result = await run(tokens);
  model.session.endProfiling();
  await model.close();
  const trace = join(scratch, readdirSync(scratch).find((name) => name.startsWith("decode"))!);

  interface Event { cat: string; name: string; dur: number; args?: { op_name?: string } }
  const events = JSON.parse(readFileSync(trace, "utf8")) as Event[];
  const runs = events.filter((e) => e.cat === "Session" && e.name === "model_run");
  // the last `steps` runs are the measured decode's (the warm-up's come first)
  const steps = result.steps;
  const measuredRuns = runs.slice(-steps);
  const firstMeasured = measuredRuns[0] as Event & { ts: number };
  const nodes = (events as Array<Event & { ts: number }>).filter((e) => e.cat === "Node" && e.name.endsWith("_kernel_time") && e.ts >= firstMeasured.ts);
  const byOp = new Map<string, { us: number; count: number }>();
  const byNode = new Map<string, { op: string; us: number }>();
  for (const node of nodes) {
    const op = node.args?.op_name ?? "?";
    const opEntry = byOp.get(op) ?? { us: 0, count: 0 };
    opEntry.us += node.dur;
    opEntry.count += 1;
    byOp.set(op, opEntry);
    const name = node.name.slice(0, -"_kernel_time".length);
    const nodeEntry = byNode.get(name) ?? { op, us: 0 };
    nodeEntry.us += node.dur;
    byNode.set(name, nodeEntry);
  }
  const kernelUs = [...byOp.values()].reduce((sum, e) => sum + e.us, 0);
  const runUs = measuredRuns.reduce((sum, e) => sum + e.dur, 0);
  const wallUs = result.wallMs * 1000;
  const perStep = (us: number): string => (us / steps).toFixed(0);
  const lines = [
    `k = ${k}, ${steps} decode steps of ${tokens} tokens, ${threads} threads; per step: wall ${perStep(wallUs)} µs, inside session.run ${perStep(runUs)} µs, in kernels ${perStep(kernelUs)} µs`,
    "",
    "| operator | µs per step | share of kernel time | nodes per step |",
    "|---|---|---|---|",
    ...[...byOp.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .map(([op, e]) => `| ${op} | ${perStep(e.us)} | ${((100 * e.us) / kernelUs).toFixed(1)}% | ${(e.count / steps).toFixed(0)} |`),
    "",
    "The slowest nodes:",
    "",
    "| node | operator | µs per step | share |",
    "|---|---|---|---|",
    ...[...byNode.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, 16)
      .map(([name, e]) => `| ${name} | ${e.op} | ${perStep(e.us)} | ${((100 * e.us) / kernelUs).toFixed(1)}% |`),
    "",
    `outside the kernels: ${perStep(runUs - kernelUs)} µs per step in session.run (feeds, outputs, scheduling), ${perStep(wallUs - runUs)} µs between runs (sampling, cache writes, the loop)`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
