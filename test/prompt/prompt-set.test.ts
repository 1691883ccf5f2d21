import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { goldFromSolution } from "../../src/problems/gold.js";
import { chainsDirectory, listPromptSets, loadPromptSet } from "../../src/prompt/prompt-set.js";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "cot-sc-prompt-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function loadError(nameOrPath: string): Promise<InputError> {
  const error: unknown = await loadPromptSet(nameOrPath).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe("loadPromptSet", () => {
  it("finds chains/ at the package root", async () => {
    expect(chainsDirectory).toBe(new URL("../../chains/", import.meta.url).pathname);
    expect(await listPromptSets()).toEqual(["gsm8k-8shot", "shipped-few-shot", "shipped-zero-shot"]);
  });

  it("loads every shipped set by name and by path", async () => {
    const zeroShot = await loadPromptSet("shipped-zero-shot");
    expect(zeroShot).toMatchObject({ defaultShots: 0, exemplars: [], stop: ["\n\n", "Q:"] });
    const fewShot = await loadPromptSet(join(chainsDirectory, "shipped-few-shot.json"));
    expect(fewShot.exemplars).toHaveLength(3);
    const gsm8k = await loadPromptSet("gsm8k-8shot");
    expect(gsm8k.exemplars).toHaveLength(8);
    expect(gsm8k.chat?.system).toContain("The answer is");
  });

  it("ships few-shot chains in the shipped model's exact style, with right arithmetic", async () => {
    const set = await loadPromptSet("shipped-few-shot");
    for (const { chain } of set.exemplars) {
      const lines = chain.split("\n");
      expect(lines.at(-1)).toMatch(/^#### \d+$/);
      for (const line of lines.slice(0, -1)) {
        const match = /^(.*?)(\S+) = \$?<<([^=]+)=(\d+)>>(\d+)(.*)$/.exec(line);
        expect(match, line).not.toBeNull();
        const [, , written, expression, result, shown] = match ?? [];
        expect(written).toBe(expression);
        expect(shown).toBe(result);
        // Why eval here: a test-only check of hand-written arithmetic in data we ship.
        expect(String(new Function(`return ${expression ?? ""}`)())).toBe(result);
      }
    }
  });

  it("ships GSM8K exemplars without annotations, ending with the answer", async () => {
    const set = await loadPromptSet("gsm8k-8shot");
    for (const { chain } of set.exemplars) {
      expect(chain).not.toMatch(/<<|>>|####/);
      expect(chain).toMatch(/\nThe answer is -?[\d.]+\.$/);
    }
    expect(set.exemplars[0]?.chain).toBe(
      "Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.\nThe answer is 72.",
    );
    expect(goldFromSolution("#### 72")).toBe("72");
  });

  it("names an unknown set and lists the known ones", async () => {
    const error = await loadError("nonexistent");
    expect(error.message).toContain("nonexistent.json");
    expect(error.message).toContain("shipped-zero-shot");
  });

  it("rejects invalid JSON and invalid fields, naming the field", async () => {
    const broken = join(directory, "broken.json");
    await writeFile(broken, "{");
    expect((await loadError(broken)).message).toContain("invalid JSON");

    const noChain = join(directory, "no-chain.json");
    await writeFile(
      noChain,
      JSON.stringify({
        name: "x",
        description: "",
        template: { prefix: "", exemplar: "Q: {question}", question: "Q: {question}\nA: ", separator: "\n\n" },
        exemplars: [],
        stop: [],
      }),
    );
    expect(await loadError(noChain)).toMatchObject({ file: noChain, field: "template.exemplar" });

    const badExemplar = join(directory, "bad-exemplar.json");
    await writeFile(
      badExemplar,
      JSON.stringify({
        name: "x",
        description: "",
        template: { prefix: "", exemplar: "{question} {chain}", question: "{question}", separator: "\n" },
        exemplars: [{ question: "q" }],
        stop: [],
      }),
    );
    expect(await loadError(badExemplar)).toMatchObject({ field: "exemplars.0.chain" });
  });
});
