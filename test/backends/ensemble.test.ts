import { describe, expect, test } from "vitest";

import { createEnsembleBackend } from "../../src/backends/ensemble.js";
import { createReplayBackend } from "../../src/backends/replay.js";
import { createEngine } from "../../src/engine.js";
import { readProblems, type Problem } from "../../src/problems/index.js";
import { summarize } from "../../src/run/index.js";

const recorded = "data/recorded_chains/faithful_cot_multimodel/gsm8k_test_6lms_cot_ltm.jsonl";

describe("an ensemble of backends", () => {
  test("splits each problem's chains across its members, one vote, each chain's member recorded, weights honoured", async () => {
    const gpt4 = await createReplayBackend(recorded, { sources: ["gpt4_COT", "gpt4_LtM"] });
    const weak = await createReplayBackend(recorded, { sources: ["code001_COT", "code001_LtM"] });
    const backend = createEnsembleBackend([
      { name: "gpt4", backend: gpt4 },
      { name: "code001", backend: weak },
    ]);
    const engine = await createEngine({ backend });
    const problems: Problem[] = [];
    for await (const problem of readProblems(recorded)) if (problems.push(problem) >= 60) break;
    const results = [];
    for await (const result of engine.run(problems, { samples: 4 })) results.push(result);
    for (const result of results) expect(result.chains.map((c) => c.member)).toEqual(["gpt4", "code001", "gpt4", "code001"]);
    const summary = summarize(results, 1);
    expect(summary.members?.map((m) => [m.member, m.chains])).toEqual([["gpt4", 120], ["code001", 120]]);
    const [strong, poor] = summary.members!;
    expect(strong!.singleChainAccuracy!).toBeGreaterThan(poor!.singleChainAccuracy!);
    // weighting the strong member decides every tie toward it: the vote is at least as good as before
    const weighted = [];
    for await (const result of engine.run(problems, { samples: 4, memberWeights: { gpt4: 3 } })) weighted.push(result);
    const weightedSummary = summarize(weighted, 1);
    expect(weightedSummary.votedAccuracy.majority!).toBeGreaterThanOrEqual(summary.votedAccuracy.majority!);
    expect(weightedSummary.votedAccuracy.majority!).toBeCloseTo(strong!.majorityAccuracy!, 10);
    expect(engine.settings({ samples: 4 }).members).toEqual(["gpt4", "code001"]);
    await engine.close();
    await backend.close();
  });
});

describe("the ensemble's chain indices", () => {
  test("any window of indices maps to each member's own indices and back, each index once", async () => {
    const asked: Array<[string, number, number]> = [];
    const member = (name: string) => ({
      name,
      backend: {
        name,
        needsPrompt: true,
        defaults: {},
        capabilities: { chat: false, logprobs: false, force: false, seeded: true },
        description: {},
        async sampleChains(request: { firstIndex?: number; count: number }) {
          asked.push([name, request.firstIndex ?? 0, request.count]);
          const chains = Array.from({ length: request.count }, (_, i) => ({ text: `${name}:${(request.firstIndex ?? 0) + i}`, tokens: 1, finishReason: "stop" as const, logprob: 0, index: (request.firstIndex ?? 0) + i }));
          return { chains, usage: { promptTokens: 0, generatedTokens: request.count, wallMs: 0 }, warnings: [] };
        },
        close: async () => undefined,
      },
    });
    const backend = createEnsembleBackend([member("a"), member("b"), member("c")]);
    for (const [first, count] of [[0, 4], [4, 4], [3, 5], [7, 1], [0, 1]] as const) {
      const result = await backend.sampleChains({ prompt: "p", firstIndex: first, count, maxTokens: 1, temperature: 1, topK: 0, topP: 1, seed: 1, stop: [] });
      expect(result.chains.map((c) => c.index)).toEqual(Array.from({ length: count }, (_, i) => first + i));
      // chain j is member j mod 3's chain ⌊j / 3⌋
      for (const chain of result.chains) expect(chain.text).toBe(`${"abc"[chain.index % 3]}:${Math.floor(chain.index / 3)}`);
    }
    expect(asked.length).toBeGreaterThan(0);
  });
});
