import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import type { Problem } from "../../src/problems/problem.js";
import { readProblems, type ReadProblemsOptions } from "../../src/problems/read-problems.js";

const data = new URL("../../data/", import.meta.url).pathname;
const fixtures = new URL("../../fixtures/", import.meta.url).pathname;

/** The problems of a file, without `source` (checked on its own below). */
async function collect(file: string, options?: ReadProblemsOptions): Promise<Problem[]> {
  const problems: Problem[] = [];
  for await (const { source, ...problem } of readProblems(file, options)) {
    expect(source?.file).toBe(file);
    problems.push(problem);
  }
  return problems;
}

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "cot-sc-problems-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function temporaryFile(name: string, lines: readonly string[]): Promise<string> {
  const file = join(directory, name);
  await writeFile(file, lines.join("\n") + "\n");
  return file;
}

async function rejection(promise: Promise<unknown>): Promise<InputError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe("readProblems on real files", () => {
  it("reads every fixture, keeping extra fields in meta", async () => {
    const easy = await collect(join(fixtures, "easy.jsonl"));
    expect(easy).toHaveLength(200);
    expect(easy[0]).toEqual({
      id: "easy-0001",
      question: "Ben buys 4 books for $4 each. Ben pays with $20. How much change does Ben get?",
      gold: "4",
      meta: { family: "shopping", level: 1, lang: "en" },
    });
    for (const name of ["apples_en", "apples_zh", "medium", "hard", "reference"]) {
      const problems = await collect(join(fixtures, `${name}.jsonl`));
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.every((problem) => problem.gold !== null && /^-?\d+(\.\d+)?$/.test(problem.gold))).toBe(true);
    }
  });

  it("reads GSM8K test as it is", async () => {
    const problems = await collect(join(data, "gsm8k/test.jsonl"));
    expect(problems).toHaveLength(1319);
    expect(problems[0]?.id).toBe("gsm8k-1");
    expect(problems[0]?.gold).toBe("18");
    expect(problems[0]?.meta?.["solution"]).toMatch(/#### 18$/);
    expect(problems.every((problem) => problem.gold !== null)).toBe(true);
  });

  it("reads SVAMP's JSON array", async () => {
    const problems = await collect(join(data, "svamp/SVAMP.json"));
    expect(problems).toHaveLength(1000);
    expect(problems[0]).toMatchObject({
      id: "chal-1",
      question: "Each pack of dvds costs 76 dollars. If there is a discount of 25 dollars on each pack How much do you have to pay to buy each pack?",
      gold: "51",
      meta: { Equation: "( 76.0 - 25.0 )", Type: "Subtraction" },
    });
  });

  it("reads the recorded chains file as problems", async () => {
    const problems = await collect(join(data, "recorded_chains/faithful_cot_multimodel/gsm8k_test_6lms_cot_ltm.jsonl"));
    expect(problems).toHaveLength(1319);
    expect(problems[0]).toMatchObject({ id: "0", gold: "18" });
    expect(problems[0]?.meta).not.toHaveProperty("chains");
  });

  it("streams GSM8K train, and stops early without reading the rest", async () => {
    let count = 0;
    let lastId = "";
    for await (const problem of readProblems(join(data, "gsm8k/train.jsonl"))) {
      count += 1;
      lastId = problem.id;
    }
    expect(count).toBe(7473);
    expect(lastId).toBe("gsm8k-7473");
    const first: Problem[] = [];
    for await (const problem of readProblems(join(data, "gsm8k/train.jsonl"))) {
      first.push(problem);
      if (first.length === 3) break;
    }
    expect(first.map((problem) => problem.id)).toEqual(["gsm8k-1", "gsm8k-2", "gsm8k-3"]);
  });
});

describe("readProblems on our JSONL", () => {
  it("accepts numbers, numeric strings and #### solutions, and numbers lines without ids", async () => {
    const file = await temporaryFile("mixed.jsonl", [
      JSON.stringify({ question: "a?", answer: 3 }),
      "",
      JSON.stringify({ question: "b?", answer: "$1,200.50" }),
      JSON.stringify({ id: 7, question: "c?", answer: "9 * 2 = 18\n#### 18" }),
      JSON.stringify({ id: "d", question: "d?" }),
    ]);
    expect(await collect(file)).toEqual([
      { id: "line-1", question: "a?", gold: "3" },
      { id: "line-3", question: "b?", gold: "1200.5" },
      { id: "7", question: "c?", gold: "18" },
      { id: "d", question: "d?", gold: null },
    ]);
  });

  it("names file, line and field of a bad line", async () => {
    const file = await temporaryFile("bad-field.jsonl", [
      JSON.stringify({ id: "a", question: "a?", answer: 1 }),
      JSON.stringify({ id: "b", question: 42, answer: 1 }),
    ]);
    const error = await rejection(collect(file));
    expect(error).toMatchObject({ file, line: 2, field: "question", code: "INPUT" });
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2 \\(field "question"\\): .*expected string`));
  });

  it("rejects a non-numeric answer", async () => {
    const file = await temporaryFile("bad-answer.jsonl", [JSON.stringify({ id: "a", question: "a?", answer: "many" })]);
    expect(await rejection(collect(file))).toMatchObject({ line: 1, field: "answer" });
  });

  it("treats invalid JSON as an InputError with its line", async () => {
    const file = await temporaryFile("bad-json.jsonl", [JSON.stringify({ id: "a", question: "a?", answer: 1 }), '{"id": "b", "question": ']);
    const error = await rejection(collect(file));
    expect(error).toMatchObject({ line: 2, field: undefined });
    expect(error.message).toContain("invalid JSON");
  });

  it("rejects duplicate ids", async () => {
    const file = await temporaryFile("duplicate.jsonl", [
      JSON.stringify({ id: "a", question: "a?", answer: 1 }),
      JSON.stringify({ id: "a", question: "again?", answer: 2 }),
    ]);
    expect(await rejection(collect(file))).toMatchObject({ line: 2, field: "id" });
  });

  it("with skipInvalid, reports bad lines and goes on", async () => {
    const file = await temporaryFile("skip.jsonl", [
      JSON.stringify({ id: "a", question: "a?", answer: 1 }),
      "not json",
      JSON.stringify({ id: "b", answer: 1 }),
      JSON.stringify({ id: "a", question: "duplicate?", answer: 1 }),
      JSON.stringify({ id: "c", question: "c?", answer: "2" }),
    ]);
    const skipped: InputError[] = [];
    const problems = await collect(file, { skipInvalid: true, onInvalid: (error) => skipped.push(error) });
    expect(problems.map((problem) => problem.id)).toEqual(["a", "c"]);
    expect(skipped.map((error) => [error.line, error.field])).toEqual([
      [2, undefined],
      [3, "question"],
      [4, "id"],
    ]);
  });

  it("detects the format from the first valid record, after a skipped bad line", async () => {
    const file = await temporaryFile("gsm8k-like.jsonl", ["{", JSON.stringify({ question: "q?", answer: "x\n#### 5" })]);
    expect(await collect(file, { skipInvalid: true })).toEqual([{ id: "gsm8k-2", question: "q?", gold: "5", meta: { solution: "x\n#### 5" } }]);
  });

  it("names a missing file", async () => {
    const file = join(directory, "missing.jsonl");
    expect(await rejection(collect(file))).toMatchObject({ file, line: undefined });
  });
});

describe("readProblems on SVAMP-style JSON", () => {
  it("names the record index and field", async () => {
    const file = join(directory, "svamp.json");
    await writeFile(file, JSON.stringify([{ ID: "x-1", Body: "A has 3.", Question: "How many?", Answer: 3 }, { ID: "x-2", Body: "B", Question: "Q?", Answer: "3" }]));
    const error = await rejection(collect(file));
    expect(error).toMatchObject({ file, field: "[1].Answer" });
  });

  it("rejects a file that is not an array", async () => {
    const file = join(directory, "object.json");
    await writeFile(file, "{}");
    expect((await rejection(collect(file))).message).toContain("array");
  });
});

describe("readProblems: where each problem came from", () => {
  it("records the file and the 1-based line of a JSONL record, the index of a SVAMP record", async () => {
    const lines: Array<number | undefined> = [];
    for await (const problem of readProblems(join(fixtures, "reference.jsonl"))) lines.push(problem.source?.line);
    expect(lines).toEqual([1, 2]);
    for await (const problem of readProblems(join(data, "svamp", "SVAMP.json"))) {
      expect(problem.source).toEqual({ file: join(data, "svamp", "SVAMP.json"), field: "[0]" });
      break;
    }
  });
});
