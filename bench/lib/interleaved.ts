import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";

/**
 * The settings of a bench that runs two sides interleaved in one process (bound-outputs, int8): batch
 * sizes, new tokens a chain, rounds a side and threads from the command line (`--quick`: k = 1 and 8, 16
 * tokens, one round), the prompt's question (a fixtures/hard.jsonl one) and the load average at start.
 */
export function interleavedSettings(): { ks: number[]; tokens: number; rounds: number; threads: number; quick: boolean; question: string; load: number } {
  const { values: flags } = parseArgs({
    options: {
      k: { type: "string", default: "1,8,32,64" },
      tokens: { type: "string", default: "128" },
      rounds: { type: "string", default: "5" },
      threads: { type: "string" },
      quick: { type: "boolean", default: false },
    },
  });
  const quick = flags.quick ?? false;
  return {
    ks: (quick ? "1,8" : flags.k!).split(",").map(Number),
    tokens: quick ? 16 : Number(flags.tokens),
    rounds: quick ? 1 : Number(flags.rounds),
    threads: Number(flags.threads ?? availableParallelism()),
    quick,
    question: (JSON.parse(readFileSync(new URL("../../fixtures/hard.jsonl", import.meta.url), "utf8").split("\n")[1]!) as { question: string }).question,
    load: loadavg()[0]!,
  };
}

/**
 * `rounds` runs of each of two sides, alternating which goes first (so that neither always runs on a
 * warmer machine): each side's best wall time, and every round's chain texts, side 0's then side 1's.
 */
export async function interleavedRounds(
  rounds: number,
  run: (side: 0 | 1) => Promise<{ ms: number; texts: string[] }>,
): Promise<{ best: [number, number]; texts: Array<[string[], string[]]> }> {
  const best: [number, number] = [Infinity, Infinity];
  const texts: Array<[string[], string[]]> = [];
  for (let r = 0; r < rounds; r++) {
    const round: [string[], string[]] = [[], []];
    for (const side of r % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
      const result = await run(side);
      best[side] = Math.min(best[side], result.ms);
      round[side] = result.texts;
    }
    texts.push(round);
  }
  return { best, texts };
}
