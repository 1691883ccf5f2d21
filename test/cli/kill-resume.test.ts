import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { seededRandom } from "../seeded-random.js";

// The property of `cot-sc run --resume`: a run killed with SIGKILL at any moment and resumed ends with
// exactly one whole line per problem: none lost, none doubled, no torn line. Real child processes,
// really killed, on the recorded GSM8K chains (replay backend, so no model is needed).

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist/cli/main.js");
const recorded = fileURLToPath(new URL("../../data/recorded_chains/faithful_cot_multimodel/gsm8k_test_6lms_cot_ltm.jsonl", import.meta.url));
const PROBLEMS = 300;
/** The first 300 problems of the recorded file have ids "0".."299". */
const expectedIds = Array.from({ length: PROBLEMS }, (_, index) => String(index));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function start(out: string): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [cli, "run", recorded, "--backend", "replay", "--samples", "12", "--out", out, "--resume", "--limit", String(PROBLEMS)], {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, exited };
}

const sizeOf = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

/** The whole lines of the file (a torn last line, with no newline, is left out) and whether one is torn. */
function wholeLines(file: string): { lines: string[]; torn: boolean } {
  if (!existsSync(file)) return { lines: [], torn: false };
  const text = readFileSync(file, "utf8");
  const end = text.lastIndexOf("\n") + 1;
  const lines = text.slice(0, end).split("\n").slice(0, -1);
  // the first line records the run's settings; the results follow it
  if (lines[0] !== undefined) expect(JSON.parse(lines[0]), `${file}: settings line`).toHaveProperty("cotScResults", 1);
  return { lines: lines.slice(1), torn: end < text.length };
}

/** Every whole line is a result with an id, no id twice, every id one of the run's problems. */
function checkLines(lines: readonly string[], context: string): string[] {
  const ids = lines.map((line, index) => {
    let parsed: { id?: unknown; chains?: unknown[] };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch (error) {
      throw new Error(`${context}: line ${index + 1} is not JSON (${(error as Error).message}): ${line.slice(0, 80)}…`);
    }
    expect(typeof parsed.id, `${context}: line ${index + 1} id`).toBe("string");
    expect(parsed.chains, `${context}: line ${index + 1} chains`).toHaveLength(12);
    return parsed.id as string;
  });
  expect(new Set(ids).size, `${context}: duplicate ids`).toBe(ids.length);
  for (const id of ids) expect(expectedIds, `${context}: unexpected id`).toContain(id);
  return ids;
}

type Kill = { kind: "early"; delayMs: number } | { kind: "timed"; delayMs: number } | { kind: "after-lines"; bytes: number };

/** Kills the child per the plan; resolves to how it ended. Polls the out file for the "after-lines" kind. */
async function runAndKill(out: string, kill: Kill): Promise<Exit> {
  const { child, exited } = start(out);
  let timer: NodeJS.Timeout | undefined;
  if (kill.kind === "after-lines") {
    const target = sizeOf(out) + kill.bytes;
    timer = setInterval(() => {
      if (sizeOf(out) >= target) child.kill("SIGKILL");
    }, 1);
  } else {
    timer = setTimeout(() => child.kill("SIGKILL"), kill.delayMs);
  }
  try {
    return await exited;
  } finally {
    clearInterval(timer);
    clearTimeout(timer);
  }
}

let directory: string;
beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run build; npm test does it)`);
  directory = await mkdtemp(join(tmpdir(), "cot-sc-kill-resume-"));
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe("cot-sc run --resume, killed with SIGKILL again and again", () => {
  it("ends with exactly one whole line per problem, and repairs a torn last line", async () => {
    const out = join(directory, "out.jsonl");
    const random = seededRandom(20_260_601);
    // A line is ~10 kB (12 chains with their steps): kill after roughly 1..25 more lines.
    const LINE_BYTES = 10_000;
    const plan: Kill[] = [
      { kind: "early", delayMs: Math.floor(random() * 30) }, // before the engine has even loaded
      { kind: "after-lines", bytes: Math.ceil(random() * 25 * LINE_BYTES) },
      { kind: "timed", delayMs: 150 + Math.floor(random() * 900) }, // while starting or loading (mid-run on a slower machine)
      { kind: "after-lines", bytes: Math.ceil(random() * 25 * LINE_BYTES) },
      { kind: "early", delayMs: Math.floor(random() * 30) },
      { kind: "after-lines", bytes: 1 }, // as soon as anything is written: often mid-line
      { kind: "timed", delayMs: 150 + Math.floor(random() * 900) },
      { kind: "after-lines", bytes: Math.ceil(random() * 25 * LINE_BYTES) },
      { kind: "early", delayMs: Math.floor(random() * 30) },
      { kind: "after-lines", bytes: Math.ceil(random() * 25 * LINE_BYTES) },
    ];

    let killedMidRun = 0;
    let before = 0;
    for (const [cycle, kill] of plan.entries()) {
      const exit = await runAndKill(out, kill);
      const context = `cycle ${cycle} (${JSON.stringify(kill)})`;
      const { lines } = wholeLines(out);
      checkLines(lines, context);
      if (exit.signal === "SIGKILL") {
        if (lines.length > 0 && lines.length < PROBLEMS) killedMidRun++;
      } else {
        // it may finish before the kill lands; then it must have finished cleanly
        expect(exit, context).toMatchObject({ code: 0, signal: null });
      }
      // a kill loses at most the problems in flight, never a line already written whole
      expect(lines.length, context).toBeGreaterThanOrEqual(before);
      before = lines.length;

      if (cycle === 4) {
        // a torn last line, as a kill in the middle of a write would leave it: half of a real result
        const next = String(lines.length < PROBLEMS ? lines.length : 0);
        appendFileSync(out, `{"id":"${next}","question":"Janet’s ducks lay 16 eggs per day. She eats thr`);
        expect(wholeLines(out).torn).toBe(true);
      }
    }
    // the schedule really interrupted runs that had written some but not all problems
    expect(killedMidRun).toBeGreaterThanOrEqual(3);

    // and a torn line right before the final run, which must repair it
    const { lines: beforeFinal } = wholeLines(out);
    if (!wholeLines(out).torn) appendFileSync(out, '{"id":"299","question":"Dan');
    const final = await start(out).exited;
    expect(final, final.stderr).toMatchObject({ code: 0, signal: null });

    const text = readFileSync(out, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const { lines, torn } = wholeLines(out);
    expect(torn).toBe(false);
    expect(lines.length).toBe(PROBLEMS);
    const ids = checkLines(lines, "final");
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(expectedIds);
    // the lines written before the final run are kept as they were (resume appends, never rewrites)
    expect(lines.slice(0, beforeFinal.length)).toEqual(beforeFinal);
  });

  it("resuming a complete file solves nothing and changes nothing", async () => {
    const out = join(directory, "out.jsonl");
    const content = readFileSync(out);
    const again = await start(out).exited;
    expect(again).toMatchObject({ code: 0, signal: null });
    expect(readFileSync(out).equals(content)).toBe(true);
  });
});
