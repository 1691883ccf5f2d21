import { readFileSync } from "node:fs";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { loadModel, type LoadedModel } from "../../src/model/loaded-model.js";
import { SHIPPED_MODEL } from "../../src/model/model-dir.js";
import { type GroupRequest, JOIN_ROW_SLOTS, Scheduler, type SchedulerOptions } from "../../src/model/scheduler.js";

// Continuous batching on the real models: groups arriving mid-decode, each with its own settings.
const reference = JSON.parse(readFileSync(join(SHIPPED_MODEL, "reference_outputs.json"), "utf8")) as {
  records: Array<{ input_ids: number[] }>;
};
const prompts = reference.records.map((r) => r.input_ids);
const noHooks = { aborted: () => false };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const group = (overrides: Partial<GroupRequest>): GroupRequest => ({
  promptIds: prompts[0]!,
  count: 4,
  seed: 7,
  firstIndex: 0,
  maxTokens: 60,
  sampling: { temperature: 1, topK: 0, topP: 1 },
  stop: [],
  stopAtAnswerLine: false,
  ...overrides,
});

const texts = (result: { chains: Array<{ text: string; index: number }> }): string[] => result.chains.map((c) => `${c.index}:${c.text}`);

describe.each([
  { name: "shipped model (split-cache graph: rows join between steps)", directory: SHIPPED_MODEL, continuous: true },
  { name: "tiny llama (Optimum graph: new groups wait for an empty batch)", directory: new URL("../models/tiny-llama-gqa/", import.meta.url).pathname, continuous: false },
])("the scheduler on the $name", ({ directory, continuous }) => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadModel(directory);
  });
  afterAll(async () => {
    await model?.close();
  });
  const promptOf = (i: number): number[] => (directory === SHIPPED_MODEL ? prompts[i % prompts.length]! : [1, 5 + i, 9, 3 + i]);

  test("a seeded group draws the same chains alone and amid other traffic arriving mid-decode", async () => {
    const target = group({ promptIds: promptOf(0), seed: 11, count: 3, maxTokens: 50 });
    const alone = new Scheduler(model, { maxRows: 64, continuous: true });
    const expected = texts(await alone.submit(target, noHooks));
    await alone.close();

    const busy = new Scheduler(model, { maxRows: 64, continuous: true });
    try {
      // other settings in the same batch: greedy, top-k, top-p, another length, stop strings
      const others = [
        busy.submit(group({ promptIds: promptOf(1), sampling: { temperature: 0, topK: 0, topP: 1 }, maxTokens: 80 }), noHooks),
        busy.submit(group({ promptIds: promptOf(2), sampling: { temperature: 0.6, topK: 5, topP: 0.9 }, seed: 3, maxTokens: 30, stop: ["\n"] }), noHooks),
      ];
      await sleep(30);
      const amid = busy.submit(target, noHooks);
      await sleep(20);
      others.push(busy.submit(group({ promptIds: promptOf(3), seed: 99, count: 6, maxTokens: 40 }), noHooks));
      expect(texts(await amid)).toEqual(expected);
      await Promise.all(others);
      expect(busy.steps).toBeGreaterThan(0);
    } finally {
      await busy.close();
    }
  });

  test("greedy rows keep their own settings beside sampled rows", async () => {
    const greedy = group({ promptIds: promptOf(1), count: 2, sampling: { temperature: 0, topK: 0, topP: 1 }, maxTokens: 40 });
    const alone = new Scheduler(model, { maxRows: 64, continuous: true });
    const expected = texts(await alone.submit(greedy, noHooks));
    const [mixed] = await Promise.all([alone.submit(greedy, noHooks), alone.submit(group({ promptIds: promptOf(2), sampling: { temperature: 1.5, topK: 0, topP: 1 } }), noHooks)]);
    await alone.close();
    expect(texts(mixed!)).toEqual(expected);
    // both greedy rows of the group are the same chain
    expect(mixed!.chains[0]!.text).toBe(mixed!.chains[1]!.text);
  });

  test(continuous ? "a short group admitted mid-decode finishes before the long one in flight" : "a group submitted mid-decode waits for the batch in flight", async () => {
    const scheduler = new Scheduler(model, { maxRows: 64, continuous: true });
    try {
      const order: string[] = [];
      const long = scheduler.submit(group({ promptIds: promptOf(0), count: 2, maxTokens: 150, ignoreEos: true }), noHooks).then((r) => (order.push("long"), r));
      await sleep(40);
      const short = scheduler.submit(group({ promptIds: promptOf(1), count: 2, maxTokens: 5, ignoreEos: true }), noHooks).then((r) => (order.push("short"), r));
      const [longResult] = await Promise.all([long, short]);
      expect(order).toEqual(continuous ? ["short", "long"] : ["long", "short"]);
      expect(longResult.generatedTokens).toBe(300);
    } finally {
      await scheduler.close();
    }
  });
});

describe("shared prefill and the row budget (shipped model)", () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadModel(SHIPPED_MODEL);
  });
  afterAll(async () => {
    await model?.close();
  });

  test("an identical prompt submitted while it is live is not prefilled again, and draws the same chains", async () => {
    const scheduler = new Scheduler(model, { maxRows: 64, continuous: true });
    try {
      const request = group({ count: 3, maxTokens: 40, ignoreEos: true });
      const first = scheduler.submit(request, noHooks);
      await sleep(20);
      const second = await scheduler.submit(request, noHooks);
      const firstResult = await first;
      expect(firstResult.prefilled).toBe(true);
      expect(second.prefilled).toBe(false);
      expect(texts(second)).toEqual(texts(firstResult));
    } finally {
      await scheduler.close();
    }
  });

  test.each([true, false])("continuous %s: a group whose cache cannot be made is rejected, and the next one is served", async (continuous) => {
    const scheduler = new Scheduler(model, { maxRows: 64, continuous });
    try {
      // why: 2^31 new tokens a row is no buffer a typed array can hold, so admission throws
      const impossible = scheduler.submit(group({ count: 2, maxTokens: 2 ** 31 }), noHooks);
      await expect(impossible).rejects.toThrow();
      const next = await scheduler.submit(group({ count: 2, maxTokens: 5 }), noHooks);
      expect(next.chains).toHaveLength(2);
    } finally {
      await scheduler.close();
    }
  });

  test("keeps the batch within the row budget, and aborted groups leave it", async () => {
    const scheduler = new Scheduler(model, { maxRows: 8, continuous: true });
    try {
      const controller = new AbortController();
      const aborted = scheduler.submit(group({ count: 4, maxTokens: 5000, ignoreEos: true }), { aborted: () => controller.signal.aborted });
      const groups = Array.from({ length: 5 }, (_, i) => scheduler.submit(group({ promptIds: prompts[i % prompts.length]!, count: 4, seed: i, maxTokens: 20, ignoreEos: true }), noHooks));
      setTimeout(() => controller.abort(), 50);
      await expect(aborted).rejects.toMatchObject({ code: "ABORTED" });
      const results = await Promise.all(groups);
      for (const result of results) expect(result.rowSteps / result.steps).toBeLessThanOrEqual(8);
      expect(results.every((r) => r.generatedTokens === 80)).toBe(true);
    } finally {
      await scheduler.close();
    }
  });

  test("a longer prompt joining mid-decode and leaving first changes no chain of the group already running", async () => {
    // the prefix groups are re-strided twice under the running rows: up when the long prompt joins, back
    // down when it leaves
    const [short, long] = prompts as [number[], number[]];
    expect(long.length).toBeGreaterThan(short.length);
    const target = group({ promptIds: short, count: 3, seed: 21, maxTokens: 70, ignoreEos: true });
    const alone = new Scheduler(model, { maxRows: 64, continuous: true });
    const expected = texts(await alone.submit(target, noHooks));
    await alone.close();
    // one lane, so that the long prompt joins the running rows' cache (else it may get a lane of its own)
    const busy = new Scheduler(model, { maxRows: 64, continuous: true, lanes: 1 });
    try {
      let runningDone = false;
      const running = busy.submit(target, noHooks).then((result) => {
        runningDone = true;
        return result;
      });
      // why polled, not a fixed sleep: under a loaded machine the first step may take longer than 30 ms
      while (busy.steps === 0) await sleep(5);
      const joined = await busy.submit(group({ promptIds: long, count: 2, seed: 5, maxTokens: 8, ignoreEos: true }), noHooks);
      expect(joined.generatedTokens).toBe(16);
      // the long group joined while the short one ran, and left before it finished
      expect(runningDone).toBe(false);
      expect(texts(await running)).toEqual(expected);
    } finally {
      await busy.close();
    }
  });

  /**
   * Submits `late` once a running group (3 rows, 200 tokens) has written 100+ slots; what the scheduler
   * did while `late` lived: its chains, graph runs, steps and attended slots.
   */
  const arriveLate = async (options: Partial<SchedulerOptions>, late: GroupRequest): Promise<{ texts: string[]; runs: number; steps: number; slots: number }> => {
    const busy = new Scheduler(model, { maxRows: 64, continuous: true, ...options });
    try {
      const running = busy.submit(group({ count: 3, maxTokens: 200, ignoreEos: true }), noHooks);
      // why: wait until the running rows have written more slots than a young lane may have
      while (busy.steps < 100) await sleep(5);
      const before = busy.stats();
      const joined = await busy.submit(late, noHooks);
      const after = busy.stats();
      await running;
      return { texts: texts(joined), runs: after.runs - before.runs, steps: after.steps - before.steps, slots: after.slotSteps - before.slotSteps };
    } finally {
      await busy.close();
    }
  };

  test("a group arriving when the batch's rows are far into their chains runs in a lane of its own, with the same chains", async () => {
    const late = group({ promptIds: prompts[1]!, count: 2, seed: 4, maxTokens: 20, ignoreEos: true });
    const alone = new Scheduler(model, { maxRows: 64, continuous: true });
    const expected = texts(await alone.submit(late, noHooks));
    await alone.close();
    // joinRowSlots 0: any padding is too much, so with two lanes the late group takes the second
    const own = await arriveLate({ lanes: 2, joinRowSlots: 0 }, late);
    const shared = await arriveLate({ lanes: 1, joinRowSlots: 0 }, late);
    expect(own.texts).toEqual(expected);
    expect(shared.texts).toEqual(expected);
    // two lanes ran at most steps while the late group lived; in one lane they all ran in one graph
    expect(own.runs).toBeGreaterThan(own.steps);
    expect(shared.runs).toBe(shared.steps);
    // and the slots attended per step fell: the late rows no longer span the running rows' 100+ slots
    expect(own.slots / own.steps).toBeLessThan(shared.slots / shared.steps);
  });

  test("a late group joins the running lane while its rows × the lane's slots cost less than a graph run, else takes its own", async () => {
    // the default rule: 2 rows × 100+ slots join (well under JOIN_ROW_SLOTS); 40 rows × 100+ do not
    const late = (count: number): GroupRequest => group({ promptIds: prompts[1]!, count, seed: 4, maxTokens: 20, ignoreEos: true });
    expect(2 * 100).toBeLessThan(JOIN_ROW_SLOTS);
    expect(40 * 100).toBeGreaterThan(JOIN_ROW_SLOTS);
    const few = await arriveLate({}, late(2));
    expect(few.runs).toBe(few.steps);
    const many = await arriveLate({}, late(40));
    expect(many.runs).toBeGreaterThan(many.steps);
  });

  test("counts the slots each row attends: its prompt's prefix and the generated view, never less", async () => {
    const scheduler = new Scheduler(model, { maxRows: 64, continuous: true });
    try {
      const a = prompts[0]!;
      const b = prompts[1]!;
      await Promise.all([
        scheduler.submit(group({ promptIds: a, count: 2, maxTokens: 10, ignoreEos: true }), noHooks),
        scheduler.submit(group({ promptIds: b, count: 2, maxTokens: 10, ignoreEos: true }), noHooks),
      ]);
      const stats = scheduler.stats();
      // each row scores its own prompt's group, both padded to the longer prompt, plus one 32-slot view
      // (before the grouped prefix every row met both prompts: a.length + b.length + 32)
      expect(a.length).not.toBe(b.length);
      expect(stats.slotSteps / stats.rowSteps).toBe(Math.max(a.length, b.length) + 32);
    } finally {
      await scheduler.close();
    }
  });
});
