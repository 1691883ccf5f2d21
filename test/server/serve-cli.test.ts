import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, describe, expect, test } from "vitest";

// `cot-sc serve` and `cot-sc run --backend openai` as a user runs them: real processes on loopback.
const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist", "cli", "main.js");
const directory = mkdtempSync(join(tmpdir(), "cot-sc-serve-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

/** Starts `cot-sc serve`, resolving once the model is ready, with its URL. */
function serve(port: number): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [cli, "serve", "--port", String(port)], { cwd: directory, stdio: ["ignore", "ignore", "pipe"] });
  children.push(child);
  let stderr = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not get ready: ${stderr}`)), 30_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      const url = /listening on (http:\/\/[\d.:]+)/.exec(stderr)?.[1];
      if (url && stderr.includes("ready")) {
        clearTimeout(timer);
        resolve({ child, url, stderr: () => stderr });
      }
    });
    child.once("exit", (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
  });
}

function run(args: readonly string[], timeout = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: directory, timeout, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
    });
  });
}

const problems = join(directory, "problems.jsonl");
writeFileSync(
  problems,
  readFileSync(join(root, "fixtures", "easy.jsonl"), "utf8").split("\n").filter((line) => line.trim() !== "").slice(0, 8).join("\n") + "\n",
);
const same = ["--samples", "4", "--temperature", "0.7", "--max-tokens", "320", "--prompt-set", "shipped-zero-shot"];

describe("cot-sc serve as a process", () => {
  test("run --backend openai against it gives the in-process run's results; SIGTERM drains and exits 0", async () => {
    const server = await serve(0);
    const remote = await run(["run", problems, "--backend", "openai", "--base-url", `${server.url}/v1`, "--remote-model", "cot-sc-gpt2-tiny", ...same, "--json"]);
    expect(remote.code, remote.stderr).toBe(0);
    const local = await run(["run", problems, ...same, "--json"]);
    expect(local.code, local.stderr).toBe(0);
    const [a, b] = [JSON.parse(remote.stdout), JSON.parse(local.stdout)];
    expect(a.singleChainAccuracy).toBe(b.singleChainAccuracy);
    expect(a.votedAccuracy.majority).toBe(b.votedAccuracy.majority);
    expect(a.votedAccuracy.verified).toBe(b.votedAccuracy.verified);
    expect(a.generatedTokens).toBe(b.generatedTokens);
    const exited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
    server.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(server.stderr()).toMatch(/draining[\s\S]*stopped/);
  });

  test("kill -9 of the server during a remote run, a restart and --resume: every problem exactly once", async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const out = join(directory, "remote-results.jsonl");
    const args = ["run", problems, "--backend", "openai", "--base-url", `http://127.0.0.1:${port}/v1`, "--remote-model", "cot-sc-gpt2-tiny", ...same, "--concurrency", "1", "--out", out];
    const first = await serve(port);
    const running = run(args);
    // kill the server once a few problems are written
    for (let i = 0; i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      let lines = 0;
      try {
        lines = readFileSync(out, "utf8").split("\n").filter(Boolean).length;
      } catch {
        // not written yet
      }
      if (lines >= 3) break;
    }
    first.child.kill("SIGKILL");
    const interrupted = await running;
    // the run either failed once its retries ran out, or finished if it had: both are fine, nothing is lost
    const second = await serve(port);
    const resumed = await run([...args, "--resume"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const ids = readFileSync(out, "utf8").split("\n").filter(Boolean).slice(1).map((line) => JSON.parse(line).id as string);
    expect(ids.length, interrupted.stderr).toBe(8);
    expect(new Set(ids).size).toBe(8);
    second.child.kill("SIGKILL");
  });
});
