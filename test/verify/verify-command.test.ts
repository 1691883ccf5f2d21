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
        steps: [
          { expression: "16 - 3 - 4", claimed: "9", actual: "9", ok: true },
          { expression: "9 * 2", claimed: "19", actual: "18", ok: false },
        ],
        answer: "19",
        verified: false,
      },
      { steps: [{ expression: "16-3-4", claimed: "9", actual: "9", ok: true }], answer: "9", verified: true },
      { steps: [], answer: "5", verified: false },
    ]);
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
