import { type ProblemResult, VOTE_RULES } from "../run/index.js";

/** Prints one solved question: each chain with its steps marked, the vote table and the answer. */
export function printSolve(result: ProblemResult, json: boolean, out: NodeJS.WritableStream): void {
  if (json) {
    out.write(`${JSON.stringify(result)}\n`);
    return;
  }
  for (const chain of result.chains) {
    const unchecked = chain.steps.length - chain.checked;
    const status = chain.verified ? ", verified" : unchecked > 0 && chain.passed === chain.checked ? `, partial (${unchecked} unchecked)` : "";
    out.write(`--- chain ${chain.index}: answer ${chain.answer ?? "(none)"}, ${chain.passed}/${chain.steps.length} steps right${status}\n`);
    out.write(`${chain.text}\n`);
    for (const step of chain.steps) {
      if (step.kind === "checked") out.write(`    ${step.ok ? "✓" : "✗"} ${step.expression} = ${step.claimed}${step.ok ? "" : ` (actually ${step.actual})`}\n`);
      else out.write(`    ? ${step.expression} = ${step.claimed} (unchecked: ${step.reason})\n`);
    }
  }
  out.write(`\nvotes (${result.rule}):\n`);
  for (const entry of result.votes) out.write(`  ${entry.answer.padStart(10)}  ${String(entry.count).padStart(3)} chains  weight ${entry.weight.toFixed(2)}\n`);
  const others = VOTE_RULES.map((rule) => `${rule} ${result.byRule[rule].answer ?? "-"}`).join(", ");
  out.write(`\nanswer: ${result.answer ?? "(none)"}  (vote share ${(100 * result.voteShare).toFixed(0)}%, ${result.samplesUsed} chains; ${others})\n`);
}
