import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Off the happy path, through the real CLI in a temporary directory: every command is a spawned process
// with a timeout, so a hang fails its test instead of the suite.
const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist", "cli", "main.js");
const shipped = join(root, "models", "cot-sc-gpt2-tiny");
const recorded = join(root, "data", "recorded_chains", "faithful_cot_multimodel", "gsm8k_test_6lms_cot_ltm.jsonl");

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function cotSc(args: readonly string[], timeout = 30_000): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: directory, timeout, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

const noStackTrace = (outcome: Outcome): void => {
  expect(outcome.stderr).not.toMatch(/unexpected error|\n\s+at /);
};

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "cot-sc-robust-"));
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

const replay = (out: string, ...more: string[]): string[] => ["run", recorded, "--backend", "replay", "--samples", "3", "--limit", "3", "--out", out, ...more];

describe("a failed model load exits with its code instead of hanging", () => {
  it.each([
    ["a directory without tokenizer.json", "no-tokenizer", /tokenizer\.json/],
    ["a truncated model.onnx", "truncated", /model\.onnx/],
    ["a directory that does not exist", "nonexistent", /does not exist/],
  ])("solve --model %s", async (_, kind, message) => {
    const model = join(directory, kind);
    if (kind !== "nonexistent") {
      mkdirSync(model);
      for (const file of ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"]) copyFileSync(join(shipped, file), join(model, file));
      copyFileSync(join(shipped, "model.onnx"), join(model, "model.onnx"));
      if (kind === "no-tokenizer") await rm(join(model, "tokenizer.json"), { force: true });
      if (kind === "truncated") writeFileSync(join(model, "model.onnx"), readFileSync(join(shipped, "model.onnx")).subarray(0, 100_000));
    }
    const outcome = await cotSc(["solve", "What is 2+3?", "--samples", "2", "--model", model]);
    expect(outcome.code, outcome.stderr).toBe(2);
    expect(outcome.stderr).toMatch(message);
    noStackTrace(outcome);
  });

  it("--device cuda without the provider libraries", async () => {
    const outcome = await cotSc(["solve", "What is 2+3?", "--samples", "2", "--device", "cuda"]);
    expect(outcome.code, outcome.stderr).toBe(2);
    expect(outcome.stderr).toMatch(/device "cuda"/);
  });

  it("the library rejects and leaves no handle open: the process ends by itself", async () => {
    const script = join(directory, "load.mjs");
    writeFileSync(
      script,
      `import { createEngine } from ${JSON.stringify(join(root, "dist", "index.js"))};\n` +
        `try { await createEngine({ model: "/nonexistent" }); console.log("loaded?"); } catch (error) { console.log("rejected", error.code); }\n`,
    );
    const outcome = await new Promise<Outcome>((resolve) => {
      execFile(process.execPath, [script], { timeout: 20_000, killSignal: "SIGKILL" }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : -1, stdout, stderr, ms: 0 }),
      );
    });
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(/^rejected MODEL_LOAD/);
  });
});

describe("results are never lost", () => {
  it("an existing non-empty --out is refused, unchanged, unless --resume or --overwrite", async () => {
    const out = join(directory, "kept.jsonl");
    writeFileSync(out, "precious results\n");
    for (const extra of [[], ["--samples", "0"], ["--model", "/nonexistent"]]) {
      const outcome = await cotSc([...replay(out), ...extra]);
      expect(outcome.code, outcome.stderr).toBe(2);
      expect(readFileSync(out, "utf8")).toBe("precious results\n");
      noStackTrace(outcome);
    }
    const refused = await cotSc(replay(out));
    expect(refused.stderr).toMatch(/already holds results; add --resume .* --overwrite/);
    const replaced = await cotSc(replay(out, "--overwrite"));
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).not.toContain("precious");
  });

  it("a run that fails at start leaves a fresh --out unwritten: bad input line, missing file", async () => {
    const bad = join(directory, "bad.jsonl");
    writeFileSync(bad, `{"id":\n`);
    for (const input of [bad, join(directory, "missing.jsonl")]) {
      const out = join(directory, `fresh-${input.length}.jsonl`);
      const outcome = await cotSc(["run", input, "--backend", "replay", "--recorded", recorded, "--out", out]);
      expect(outcome.code, outcome.stderr).toBe(2);
      noStackTrace(outcome);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("every output path is checked before the first chain: --report in a missing folder, --out a directory", async () => {
    const report = await cotSc(replay(join(directory, "r1.jsonl"), "--report", join(directory, "no-such-folder", "r.html")));
    expect(report.code).toBe(2);
    expect(report.stderr).toMatch(/no-such-folder.*cannot write --report/);
    expect(() => statSync(join(directory, "r1.jsonl"))).toThrow(); // nothing was run, nothing written
    const folder = join(directory, "a-folder");
    mkdirSync(folder);
    const out = await cotSc(replay(folder));
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/a-folder: cannot write --out: is a directory/);
    noStackTrace(out);
  });
});

describe("--resume never mixes runs", () => {
  it("records the settings in the results file and names each difference on a mismatched resume", async () => {
    const out = join(directory, "settings.jsonl");
    expect((await cotSc(replay(out))).code).toBe(0);
    const header = JSON.parse(readFileSync(out, "utf8").split("\n")[0]!);
    expect(header).toMatchObject({ cotScResults: 1, input: { file: recorded }, settings: { backend: "replay", samples: 3, seed: 1 } });
    expect(header.input.sha256).toMatch(/^[0-9a-f]{64}$/);
    const before = readFileSync(out, "utf8");
    const other = await cotSc(["run", recorded, "--backend", "replay", "--samples", "4", "--seed", "2", "--limit", "3", "--out", out, "--resume"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/seed: 1 in the file, 2 now/);
    expect(other.stderr).toMatch(/samples: 3 in the file, 4 now/);
    expect(readFileSync(out, "utf8")).toBe(before);
    const same = await cotSc(replay(out, "--resume"));
    expect(same.code, same.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(before);
  });
});

describe("a problem that cannot be solved is named, and --skip-invalid goes on", () => {
  it("a 10 MB question: file, line and id; skipped with --skip-invalid, refused quickly either way", async () => {
    const input = join(directory, "huge.jsonl");
    writeFileSync(
      input,
      [
        JSON.stringify({ id: "a", question: "What is 2+3?", answer: 5 }),
        JSON.stringify({ id: "huge", question: "x".repeat(10_000_000), answer: 5 }),
        JSON.stringify({ id: "c", question: "What is 4+3?", answer: 7 }),
      ].join("\n") + "\n",
    );
    const stopped = await cotSc(["run", input, "--samples", "2", "--max-tokens", "40"], 60_000);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toMatch(/huge\.jsonl:2 \(id "huge"\): the prompt is too long/);
    noStackTrace(stopped);
    const out = join(directory, "skip.jsonl");
    const skipped = await cotSc(["run", input, "--samples", "2", "--max-tokens", "40", "--skip-invalid", "--out", out], 60_000);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toMatch(/skipped: .*huge\.jsonl:2 \(id "huge"\)/);
    const ids = readFileSync(out, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line).id).filter(Boolean);
    expect(ids.sort()).toEqual(["a", "c"]);
  });
});

describe("help, version and options", () => {
  it("help per command with defaults; --version; options where they apply; --samples -3 understood", async () => {
    const help = await cotSc(["help", "run"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--temperature T .*default/);
    expect(help.stdout).toMatch(/--overwrite/);
    expect((await cotSc(["solve", "--help"])).stdout).toMatch(/--vote majority\|verified\|logprob/);
    expect((await cotSc(["--version"])).stdout.trim()).toBe(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
    const misplaced = await cotSc(["verify", "x.jsonl", "--temperature", "1"]);
    expect(misplaced.stderr).toMatch(/--temperature does not apply to "verify"/);
    const negative = await cotSc(["run", recorded, "--backend", "replay", "--samples", "-3"]);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toMatch(/--samples: expected a whole number ≥ 1, got -3/);
  });

  it("run --json prints the summary as JSON with its settings; replay has no tokens/s", async () => {
    const outcome = await cotSc(["run", recorded, "--backend", "replay", "--samples", "3", "--limit", "3", "--json"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const summary = JSON.parse(outcome.stdout);
    expect(summary).toMatchObject({ problems: 3, tokensPerSecond: null, provenance: { settings: { backend: "replay", samples: 3 } } });
    expect(outcome.stderr).toMatch(/3\/3 problems/); // the progress knows the total
  });
});

describe("the 8-bit graph from the command line", () => {
  it("--graph split-cache-int8 decodes with it, and --resume will not mix its chains with the float32 graph's", async () => {
    const reference = join(root, "fixtures", "reference.jsonl");
    const out = join(directory, "int8.jsonl");
    const outcome = await cotSc(["run", reference, "--graph", "split-cache-int8", "--samples", "4", "--out", out, "--json"], 120_000);
    expect(outcome.code, outcome.stderr).toBe(0);
    const summary = JSON.parse(outcome.stdout);
    expect(summary.problems).toBeGreaterThan(0);
    const header = JSON.parse(readFileSync(out, "utf8").split("\n")[0]!);
    expect(header.settings.graphSha256).toMatch(/^[0-9a-f]{64}$/);
    const before = readFileSync(out, "utf8");
    const float32 = await cotSc(["run", reference, "--samples", "4", "--out", out, "--resume"], 120_000);
    expect(float32.code).toBe(2);
    expect(float32.stderr).toMatch(/graphSha256: "[0-9a-f]{64}" in the file, "[0-9a-f]{64}" now/);
    expect(readFileSync(out, "utf8")).toBe(before);
    noStackTrace(float32);
  });
});

describe("an ensemble of models from the command line", () => {
  it("--model twice: one vote over both models' chains, each member's accuracy in the summary; serve refuses two", async () => {
    const reference = join(root, "fixtures", "reference.jsonl");
    const outcome = await cotSc(["run", reference, "--model", shipped, "--model", shipped, "--samples", "4", "--max-tokens", "60", "--json"], 120_000);
    expect(outcome.code, outcome.stderr).toBe(0);
    const summary = JSON.parse(outcome.stdout);
    expect(summary.members.map((m: { member: string; chains: number }) => [m.member, m.chains])).toEqual([
      ["cot-sc-gpt2-tiny", 2 * summary.problems],
      ["cot-sc-gpt2-tiny#2", 2 * summary.problems],
    ]);
    expect(summary.provenance.settings.members).toEqual(["cot-sc-gpt2-tiny", "cot-sc-gpt2-tiny#2"]);
    const serve = await cotSc(["serve", "--model", shipped, "--model", shipped]);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toMatch(/serve serves one model, got 2/);
    noStackTrace(serve);
  });
});

describe("verify reads cot-sc's own outputs", () => {
  function withStdin(args: readonly string[], input: string): Promise<Outcome> {
    const started = performance.now();
    return new Promise((resolve) => {
      const child = execFile(process.execPath, [cli, ...args], { cwd: directory, timeout: 30_000, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr, ms: performance.now() - started });
      });
      child.stdin?.end(input);
    });
  }

  it("every chain of a results file (not its voted answer), the header skipped; - for standard input", async () => {
    const out = join(directory, "verify-results.jsonl");
    expect((await cotSc(replay(out))).code).toBe(0);
    const results = readFileSync(out, "utf8").split("\n").filter(Boolean).slice(1).map((line) => JSON.parse(line));
    const outcome = await cotSc(["verify", out]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const verdicts = outcome.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line));
    expect(verdicts).toHaveLength(9); // 3 problems × 3 chains
    expect(verdicts[0]).toMatchObject({ line: 2, id: results[0].id, chain: 0, answer: results[0].chains[0].answer });
    expect(verdicts.map((verdict) => verdict.status)).toEqual(results.flatMap((result) => result.chains.map((chain: { status: string }) => chain.status)));
    // the same through standard input, as `sample --json | cot-sc verify -` would send it
    const piped = await withStdin(["verify", "-"], `${JSON.stringify({ chains: [{ text: "10-50 = <<10-50=-40>>40" }], usage: {} })}\n`);
    expect(piped.code, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ line: 1, chain: 0, status: "wrong" });
    const bad = await withStdin(["verify", "-"], "{oops\n");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/\(standard input\):1/);
    noStackTrace(bad);
  });
});

describe("distill through the real CLI", () => {
  it("writes the kept chains in the corpus's format with provenance, and reports the precision", async () => {
    const out = join(directory, "distilled.jsonl");
    const problems = join(root, "fixtures", "easy.jsonl");
    const outcome = await cotSc(["distill", problems, "--limit", "6", "--samples", "6", "--out", out, "--json"], 60_000);
    expect(outcome.code, outcome.stderr).toBe(0);
    const stats = JSON.parse(outcome.stdout);
    expect(stats).toMatchObject({ problems: 6 });
    const lines = readFileSync(out, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
    expect(lines).toHaveLength(stats.keptChains);
    for (const line of lines) {
      expect(line.chain).toMatch(new RegExp(`#### ${line.answer}$`));
      expect(line.provenance).toMatchObject({ rule: "majority", seed: 1 });
      expect(line.provenance.voteShare).toBeGreaterThanOrEqual(0.5);
    }
    expect(outcome.stderr).toMatch(/pseudo-label precision/);
    // an existing file is not replaced without --overwrite
    const again = await cotSc(["distill", problems, "--limit", "1", "--out", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds results/);

    // the same problems run with --out, then distilled from the results file: the same lines, nothing decoded
    const results = join(directory, "distill-run.jsonl");
    const run = await cotSc(["run", problems, "--limit", "6", "--samples", "6", "--out", results], 60_000);
    expect(run.code, run.stderr).toBe(0);
    const fromResults = join(directory, "distilled-from-results.jsonl");
    const replayed = await cotSc(["distill", results, "--out", fromResults, "--json"]);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(JSON.parse(replayed.stdout)).toEqual(stats);
    expect(readFileSync(fromResults, "utf8")).toBe(readFileSync(out, "utf8"));
  });

  it("distills another --min-share from the same results; refuses decoding flags on a results file, a bad result line (naming it), and --out on its own input", async () => {
    const results = join(directory, "distill-replay.jsonl");
    const run = await cotSc(replay(results));
    expect(run.code, run.stderr).toBe(0);
    // another --min-share on the same results: exactly the lines of the problems whose vote reaches it
    const readLines = (file: string): string[] => readFileSync(file, "utf8").split("\n").filter(Boolean);
    const loose = await cotSc(["distill", results, "--out", join(directory, "loose.jsonl")]);
    const strict = await cotSc(["distill", results, "--out", join(directory, "strict.jsonl"), "--min-share", "1"]);
    expect([loose.code, strict.code], loose.stderr + strict.stderr).toEqual([0, 0]);
    const looseLines = readLines(join(directory, "loose.jsonl"));
    const shares = looseLines.map((line) => JSON.parse(line).provenance.voteShare as number);
    expect(shares.some((share) => share < 1) && shares.some((share) => share === 1)).toBe(true); // the recorded chains split on some problem
    expect(readLines(join(directory, "strict.jsonl"))).toEqual(looseLines.filter((_, i) => shares[i] === 1));

    const flagged = await cotSc(["distill", results, "--out", join(directory, "never.jsonl"), "--samples", "5", "--temperature", "1"]);
    expect(flagged.code).toBe(2);
    expect(flagged.stderr).toMatch(/--samples, --temperature cannot apply/);
    expect(existsSync(join(directory, "never.jsonl"))).toBe(false);

    const lines = readFileSync(results, "utf8").split("\n");
    const broken = JSON.parse(lines[2]!);
    delete broken.chains[0].verified;
    const bad = join(directory, "distill-bad.jsonl");
    writeFileSync(bad, [lines[0], lines[1], JSON.stringify(broken), ""].join("\n"));
    const refused = await cotSc(["distill", bad, "--out", join(directory, "bad-out.jsonl")]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/distill-bad\.jsonl:3 \(field "chains\.0\.verified"\)/);
    noStackTrace(refused);

    const before = readFileSync(results, "utf8");
    const self = await cotSc(["distill", results, "--out", results, "--overwrite"]);
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(/is the input file/);
    expect(readFileSync(results, "utf8")).toBe(before);
  });
});
