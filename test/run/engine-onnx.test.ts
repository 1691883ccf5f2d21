import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { createOnnxBackend } from "../../src/backends/onnx.js";
import { createEngine, type Engine, OptionsError, summarize } from "../../src/index.js";
import { SHIPPED_MODEL } from "../../src/model/model-dir.js";
import { calculatorResult } from "../../src/verify/index.js";

const reference = readFileSync(new URL("../../fixtures/reference.jsonl", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as { id: string; question: string; answer: number });

describe("the engine on the shipped model", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine();
  });
  afterAll(async () => {
    await engine.close();
  });

  test("solves the reference apple puzzle: chains, checked steps, votes by every rule", async () => {
    const problem = reference.find((r) => r.id === "reference-en")!;
    const result = await engine.solve(problem.question, { samples: 8, seed: 3, gold: String(problem.answer) });
    expect(engine.info.layout).toBe("split-cache");
    expect(result.chains).toHaveLength(8);
    expect(result.samplesUsed).toBe(8);
    for (const chain of result.chains) {
      expect(chain.text.length).toBeGreaterThan(0);
      expect(chain.steps.length).toBeGreaterThan(0); // the model writes <<a=b>> annotations
      expect(chain.passed).toBeLessThanOrEqual(chain.steps.length);
    }
    const counted = result.votes.reduce((sum, v) => sum + v.count, 0);
    expect(counted).toBe(result.chains.filter((c) => c.answer !== null).length);
    expect(Object.keys(result.byRule).sort()).toEqual(["logprob", "majority", "verified"]);
    expect(result.voteShare).toBeGreaterThan(0);
    expect(result.usage.generatedTokens).toBe(result.chains.reduce((s, c) => s + c.tokens, 0));
  });

  test("calculator-assisted decoding puts the exact result in every annotation", async () => {
    const problem = reference.find((r) => r.id === "reference-zh")!;
    const plain = await engine.solve(problem.question, { samples: 6, seed: 5 });
    const assisted = await engine.solve(problem.question, { samples: 6, seed: 5, calculator: true });
    // what the calculator guarantees: every `<<expr=` the model writes is completed with the exact
    // result; what follows `>>` (the copy) and an annotation the model never finishes stay the model's
    for (const chain of assisted.chains) {
      const closed = [...chain.text.matchAll(/<<([^<>=\n]+)=([^<>]*)>>/g)];
      expect(closed.length).toBeGreaterThan(0);
      for (const [, expression, result] of closed) expect(result).toBe(calculatorResult(expression!));
    }
    // the same seed without the calculator is a different run (the model's own arithmetic)
    expect(plain.chains.map((c) => c.text)).not.toEqual(assisted.chains.map((c) => c.text));
  });

  test("adaptive stopping draws chains in rounds and stops when the vote is settled", async () => {
    // greedy chains all agree, so the rule must fire after the first round
    const settled = await engine.solve("What is 12+30?", { samples: 40, temperature: 0, stopping: { rule: "adaptive" } });
    expect(settled.stoppedBy).toBe("rule");
    expect(settled.samplesUsed % 4).toBe(0);
    expect(settled.samplesUsed).toBeLessThan(40);
    // without the rule, the whole budget is drawn
    const fixed = await engine.solve("What is 12+30?", { samples: 12, temperature: 0 });
    expect(fixed).toMatchObject({ stoppedBy: "budget", samplesUsed: 12 });
  });

  test("several problems at once share decode batches and keep their own seeds", async () => {
    const problems = [
      { id: "a", question: "What is 7*8?", gold: "56" },
      { id: "b", question: reference[1]!.question, gold: "4" },
      { id: "c", question: "What is 120-45?", gold: "75" },
    ];
    const backend = await createOnnxBackend(SHIPPED_MODEL);
    const shared = await createEngine({ backend });
    try {
      const before = await backend.stats();
      const together: Record<string, string[]> = {};
      for await (const r of shared.run(problems, { samples: 4, concurrency: 3 })) together[r.id] = r.chains.map((c) => c.text);
      const after = await backend.stats();
      // why steps, not rows per step: a short problem leaves the batch early, so the mean batch depends on
      // how long the model's chains are; shared batches show as fewer steps than the problems take one by one
      let oneByOne = 0;
      for (const problem of problems) {
        const start = await backend.stats();
        await shared.solve(problem.question, { samples: 4 });
        oneByOne += (await backend.stats()).steps - start.steps;
      }
      expect(after.steps - before.steps).toBeLessThan(oneByOne);
      const alone = await engine.solve("What is 7*8?", { samples: 4 });
      expect(together.a).toEqual(alone.chains.map((c) => c.text));
      expect(Object.keys(together).sort()).toEqual(["a", "b", "c"]);
    } finally {
      await shared.close();
      await backend.close();
    }
  });

  test("an ensemble of prompt sets: chains split across members, one vote, each member's accuracy in the summary", async () => {
    const problems = [
      { id: "e1", question: "Ben has 5 apples and buys 3 more. How many apples does he have?", gold: "8" },
      { id: "e2", question: "A box holds 6 pens. How many pens are in 4 boxes?", gold: "24" },
    ];
    // a second member: the shipped format with a system-style preamble, as a prompt-set file
    const variant = join(mkdtempSync(join(tmpdir(), "cot-sc-ensemble-")), "preamble.json");
    const zeroShot = JSON.parse(readFileSync(new URL("../../chains/shipped-zero-shot.json", import.meta.url), "utf8")) as { template: { prefix: string } };
    writeFileSync(variant, JSON.stringify({ ...zeroShot, name: "preamble", template: { ...zeroShot.template, prefix: "Solve step by step.\n\n" } }));
    const sets = ["shipped-zero-shot", variant];
    const results = [];
    for await (const r of engine.run(problems, { samples: 6, prompt: { sets } })) results.push(r);
    for (const result of results) {
      expect(result.chains.map((c) => c.member)).toEqual(["shipped-zero-shot", "shipped-zero-shot", "shipped-zero-shot", variant, variant, variant]);
      // a member's chain is the chain that prompt set alone draws for that index
      const alone = await engine.solve(result.question, { samples: 6, prompt: { set: variant } });
      expect(result.chains.slice(3).map((c) => c.text)).toEqual(alone.chains.slice(3).map((c) => c.text));
    }
    const summary = summarize(results, 1);
    expect(summary.members?.map((m) => [m.member, m.chains])).toEqual([["shipped-zero-shot", 6], [variant, 6]]);
    expect(engine.settings({ prompt: { sets } }).promptSet).toBe(`shipped-zero-shot,${variant}`);
  });

  test("several model directories are one ensemble: chain j is model j mod M's own chain ⌊j / M⌋, members and their graphs recorded", async () => {
    const ensemble = await createEngine({ model: [SHIPPED_MODEL, SHIPPED_MODEL] });
    try {
      const question = "What is 7*8?";
      const options = { samples: 4, seed: 9, maxTokens: 40 };
      const [together, alone] = await Promise.all([ensemble.solve(question, options), engine.solve(question, { ...options, samples: 2 })]);
      // both members are the shipped model: each draws the chains the model draws alone, by its own index
      expect(together.chains.map((c) => c.text)).toEqual([alone.chains[0]!.text, alone.chains[0]!.text, alone.chains[1]!.text, alone.chains[1]!.text]);
      expect(together.chains.map((c) => c.member)).toEqual(["cot-sc-gpt2-tiny", "cot-sc-gpt2-tiny#2", "cot-sc-gpt2-tiny", "cot-sc-gpt2-tiny#2"]);
      const settings = ensemble.settings(options);
      expect(settings.members).toEqual(["cot-sc-gpt2-tiny", "cot-sc-gpt2-tiny#2"]);
      expect(settings.memberGraphSha256).toHaveLength(2);
      expect(settings.memberGraphSha256![0]).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await ensemble.close();
    }
    // one member that cannot load fails the whole engine, naming that directory
    await expect(createEngine({ model: [SHIPPED_MODEL, "/nonexistent/second-model"] })).rejects.toThrow(/second-model/);
    await expect(createEngine({ model: [] })).rejects.toBeInstanceOf(OptionsError);
  });

  test("bad options are typed errors naming the field", async () => {
    await expect(engine.solve("x", { samples: 0 })).rejects.toBeInstanceOf(OptionsError);
    await expect(engine.solve("x", { vote: "loudest" as never })).rejects.toThrow(/vote/);
    await expect(createEngine({ model: "/nonexistent/model" })).rejects.toThrow(/nonexistent/);
  });
});
