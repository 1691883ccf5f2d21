import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProblemResult, RunSummary } from "../../src/run/index.js";

// `cot-sc run` end to end, as a user runs it: the built CLI in a child process, on the recorded GSM8K
// chains through the replay backend (no model needed). stderr is a pipe here, not a terminal.

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist/cli/main.js");
const recorded = fileURLToPath(new URL("../../data/recorded_chains/faithful_cot_multimodel/gsm8k_test_6lms_cot_ltm.jsonl", import.meta.url));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function cotSc(args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The results of a results file: its JSON lines after the settings line. */
const jsonLines = <T>(file: string): T[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as T & { cotScResults?: number })
    .filter((value) => value.cotScResults === undefined);

let directory: string;
beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run build; npm test does it)`);
  directory = await mkdtemp(join(tmpdir(), "cot-sc-run-command-"));
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe("cot-sc run --backend replay --limit 20", () => {
  let outcome: Outcome;
  let out: string;
  let summaryFile: string;
  let report: string;
  beforeAll(async () => {
    out = join(directory, "out.jsonl");
    summaryFile = join(directory, "summary.json");
    report = join(directory, "report.html");
    outcome = await cotSc(["run", recorded, "--backend", "replay", "--samples", "12", "--limit", "20", "--out", out, "--summary", summaryFile, "--report", report]);
  });

  it("exits 0 and writes one result line per problem to --out", () => {
    expect(outcome.code, outcome.stderr).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const results = jsonLines<ProblemResult>(out);
    expect(results.map((r) => r.id).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, index) => String(index)));
    for (const result of results) {
      expect(result).toMatchObject({ samplesUsed: 12, rule: "majority" });
      expect(result.chains).toHaveLength(12);
      for (const key of ["id", "question", "gold", "answer", "correct", "voteShare", "votes", "samplesUsed", "chainAccuracy", "byRule", "chains"]) {
        expect(result).toHaveProperty(key);
      }
    }
  });

  it("writes --summary as JSON that agrees with the results", () => {
    const summary = JSON.parse(readFileSync(summaryFile, "utf8")) as RunSummary;
    const results = jsonLines<ProblemResult>(out);
    expect(summary).toMatchObject({ problems: 20, withGold: 20, meanSamplesUsed: 12 });
    const share = (count: number): number => count / 20;
    expect(summary.votedAccuracy.majority).toBeCloseTo(share(results.filter((r) => r.byRule.majority.correct).length), 10);
    expect(summary.votedAccuracy.verified).toBeCloseTo(share(results.filter((r) => r.byRule.verified.correct).length), 10);
    const chains = results.flatMap((r) => r.chains);
    expect(summary.singleChainAccuracy).toBeCloseTo(chains.filter((c) => c.correct).length / chains.length, 10);
    expect(summary.curve.map((point) => point.k)).toEqual([1, 2, 3, 5, 10]);
    expect(summary.greedyAccuracy).toBeNull();
  });

  it("writes --report as one HTML file with the accuracy plot", () => {
    const html = readFileSync(report, "utf8");
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain(`id="accuracy-plot"`);
    expect(html).toContain("Janet");
  });

  it("prints the summary table on stdout", () => {
    expect(outcome.stdout).toMatch(/problems\s+20/);
    expect(outcome.stdout).toMatch(/single-chain accuracy/);
    expect(outcome.stdout).toMatch(/voted accuracy \(majority\)/);
  });

  it("logs progress as plain lines when stderr is not a terminal: no carriage return, no escape codes", () => {
    expect(outcome.stderr).not.toContain("\r");
    expect(outcome.stderr).not.toContain("\u001b");
    expect(outcome.stderr.endsWith("\n")).toBe(true);
    expect(outcome.stderr).toMatch(/^.*20\/20 problems, accuracy \d+(\.\d)?% \(\d+\/20\), [\d.]+ chains\/s, done in .*$/m);
  });
});

describe("cot-sc run on a problem file with a bad line", () => {
  let problems: string;
  beforeAll(async () => {
    // ids of the recorded file, so the replay backend (--recorded) has chains for them; line 3 has no question
    problems = join(directory, "problems.jsonl");
    const lines = [
      { id: "0", question: "Janet’s ducks lay 16 eggs per day. ...", answer: 18 },
      { id: "1", question: "A robe takes 2 bolts of blue fiber ...", answer: 3 },
      { id: "2", answer: 70000 },
      { id: "3", question: "James decides to run 3 sprints 3 times a week. ...", answer: 540 },
    ];
    await writeFile(problems, `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
  });

  const args = (out: string): string[] => ["run", problems, "--backend", "replay", "--recorded", recorded, "--samples", "12", "--out", out];

  it("exits 2 and names file:line (field) on stderr", async () => {
    const out = join(directory, "bad.jsonl");
    const outcome = await cotSc(args(out));
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain(`cot-sc: ${problems}:3 (field "question"): `);
    expect(outcome.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });

  it("with --skip-invalid, solves the other problems and reports the skipped line", async () => {
    const out = join(directory, "skipped.jsonl");
    const summary = join(directory, "skipped-summary.json");
    const outcome = await cotSc([...args(out), "--skip-invalid", "--summary", summary]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stderr).toContain(`skipped: ${problems}:3 (field "question"): `);
    expect(jsonLines<ProblemResult>(out).map((r) => r.id).sort()).toEqual(["0", "1", "3"]);
    expect(JSON.parse(readFileSync(summary, "utf8"))).toMatchObject({ problems: 3 });
  });
});

describe("cot-sc run with a bad option", () => {
  it.each([
    [["--concurrency", "0"], /^cot-sc: invalid command line: --concurrency: expected a whole number ≥ 1, got 0/m],
    [["--vote", "nope"], /^cot-sc: invalid run options: vote: /m],
    [["--stopping", "sometimes"], /^cot-sc: invalid run options: stopping\.rule: /m],
    [["--samples", "abc"], /^cot-sc: invalid command line: --samples: /m],
  ])("%j exits 2 and names the option", async (extra, message) => {
    const outcome = await cotSc(["run", recorded, "--backend", "replay", "--limit", "2", ...extra]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(message);
  });
});
