import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { verifyCommand } from "../../src/cli/verify-command.js";
import { InputError } from "../../src/errors.js";

const directory = mkdtempSync(join(tmpdir(), "cot-sc-verify-"));

async function run(content: string): Promise<{ lines: number; output: unknown[] }> {
  const file = join(directory, `input-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(file, content);
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
  const { lines } = await verifyCommand(file, stream);
  const output = chunks
    .join("")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as unknown);
  return { lines, output };
}

describe("verifyCommand", () => {
  it("writes one verdict per line, in order, for chains and GSM8K records", async () => {
    const input = [
      JSON.stringify({ text: "16 - 3 - 4 = 9 eggs, 9 * 2 = 19 dollars. The answer is 19." }),
      "",
      JSON.stringify({ question: "…", answer: "She has 16 - 3 - 4 = <<16-3-4=9>>9 eggs.\n#### 9" }),
      JSON.stringify({ text: "No arithmetic. The answer is 5." }),
    ].join("\n");
    const { lines, output } = await run(input);
    expect(lines).toBe(3);
    expect(output).toEqual([
      {
        line: 1,
        steps: [
          { expression: "16 - 3 - 4", claimed: "9", actual: "9", ok: true },
          { expression: "9 * 2", claimed: "19", actual: "18", ok: false },
        ],
        answer: "19",
        status: "wrong",
        verified: false,
      },
      { line: 3, steps: [{ expression: "16-3-4", claimed: "9", actual: "9", ok: true }], answer: "9", status: "verified", verified: true },
      { line: 4, steps: [], answer: "5", status: "none", verified: false },
    ]);
  });

  it("checks every chain of a results file (skipping its header) and of sample --json output, not the voted answer", async () => {
    const input = [
      JSON.stringify({ cotScResults: 1, input: { file: "p.jsonl", sha256: "0" }, settings: {} }),
      JSON.stringify({
        id: "p1",
        answer: "18",
        chains: [
          { index: 0, text: "9 * 2 = 18. The answer is 18." },
          { index: 1, text: "9 * 2 = 19. The answer is 19." },
        ],
      }),
      JSON.stringify({ chains: [{ text: "<<5*3=>> The answer is 15." }], usage: {} }),
    ].join("\n");
    const { lines, output } = await run(input);
    expect(lines).toBe(3);
    expect(output).toMatchObject([
      { line: 2, id: "p1", chain: 0, answer: "18", status: "verified" },
      { line: 2, id: "p1", chain: 1, answer: "19", status: "wrong" },
      // an empty claim is a visible step that was not checked: partial, not verified, not silence
      { line: 3, chain: 0, answer: "15", status: "partial", verified: false, steps: [{ expression: "5*3", actual: null, cause: "syntax" }] },
    ]);
    await expect(run(JSON.stringify({ id: "p1", chains: [{ index: 0 }] }))).rejects.toMatchObject({
      constructor: InputError,
      line: 1,
      field: "chains.0.text",
    });
  });

  it("reads standard input for -", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const chunks: string[] = [];
    output.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
    input.end(`${JSON.stringify({ text: "2 + 2 = 5" })}\n{oops\n`);
    await expect(verifyCommand("-", output, input)).rejects.toMatchObject({ constructor: InputError, file: "(standard input)", line: 2 });
    expect(JSON.parse(chunks.join(""))).toMatchObject({ line: 1, status: "wrong" });
  });

  it("throws a typed error naming the file, line and field", async () => {
    await expect(run(`${JSON.stringify({ text: "1+1=2" })}\n{"chain": 3}\n`)).rejects.toMatchObject({
      constructor: InputError,
      line: 2,
      field: "text",
    });
    await expect(run("{not json\n")).rejects.toBeInstanceOf(InputError);
    await expect(verifyCommand(join(directory, "missing.jsonl"), new PassThrough())).rejects.toBeInstanceOf(InputError);
  });
});
