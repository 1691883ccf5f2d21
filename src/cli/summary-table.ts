import type { RunSummary } from "../run/types.js";
import { formatDuration, formatInteger, formatNumber, formatPercent } from "./format.js";

/** Lays out label/value rows in two aligned columns (labels left, values right-aligned). */
function alignRows(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  return rows.map(([label, value]) => `  ${label.padEnd(labelWidth)}  ${value.padStart(valueWidth)}`);
}

/**
 * The end-of-run summary as a plain-text table for the terminal: problems, single-chain accuracy, the
 * greedy baseline (only when one was decoded), voted accuracy per rule, mean samples used, generated
 * tokens, throughput and wall time; below it the majority-vote curve, one `maj@k` row per point.
 * No colours or control characters, so it reads the same in a log file.
 *
 * @example
 * process.stdout.write(formatSummaryTable(summary) + "\n");
 * //   problems                       50 (50 with gold)
 * //   single-chain accuracy       41.2%
 * //   voted accuracy (majority)   58.0%
 * //   ...
 */
export function formatSummaryTable(summary: RunSummary): string {
  const problems =
    summary.withGold === summary.problems
      ? formatInteger(summary.problems)
      : `${formatInteger(summary.problems)} (${formatInteger(summary.withGold)} with gold)`;
  const rows: Array<readonly [string, string]> = [
    ["problems", problems],
    ["single-chain accuracy", formatPercent(summary.singleChainAccuracy)],
  ];
  if (summary.greedyAccuracy !== null) rows.push(["greedy accuracy", formatPercent(summary.greedyAccuracy)]);
  rows.push(
    ["voted accuracy (majority)", formatPercent(summary.votedAccuracy.majority)],
    ["voted accuracy (verified)", formatPercent(summary.votedAccuracy.verified)],
    ["voted accuracy (logprob)", formatPercent(summary.votedAccuracy.logprob)],
    ...(summary.members ?? []).map(
      (m) => [`member ${m.member}: single chain / majority`, `${formatPercent(m.singleChainAccuracy)} / ${formatPercent(m.majorityAccuracy)}`] as const,
    ),
    ["mean samples used", formatNumber(summary.meanSamplesUsed, 1)],
    ["chains agreeing (mean top share)", formatPercent(summary.disagreement?.meanShare ?? null)],
    ["split votes (top answer < half)", formatInteger(summary.disagreement?.split.length ?? 0)],
    ["generated tokens", formatInteger(summary.generatedTokens)],
    ["tokens/s", summary.tokensPerSecond === null ? "— (replayed, not decoded)" : formatNumber(summary.tokensPerSecond, 1)],
    ["wall time", formatDuration(summary.wallSeconds)],
  );
  const lines = ["Summary", ...alignRows(rows)];
  const split = summary.disagreement?.split ?? [];
  if (split.length > 0) {
    const shown = split.slice(0, 10).map((s) => `${s.id} (${formatPercent(s.share)}, ${s.distinct} answers)`);
    lines.push("", `Split votes, fewest agreeing first${split.length > 10 ? ` (10 of ${split.length}; all in summary.json)` : ""}: ${shown.join(", ")}`);
  }
  if (summary.curve.length > 0) {
    lines.push("", "Voted accuracy (majority) by chains per problem");
    lines.push(...alignRows(summary.curve.map((point) => [`maj@${point.k}`, formatPercent(point.accuracy)] as const)));
  }
  return lines.join("\n");
}
