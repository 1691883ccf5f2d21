import { VOTE_RULES } from "../run/index.js";
import type { RunSummary, VoteRuleName } from "../run/types.js";
import { escapeHtml } from "./escape-html.js";
import { formatNumber, formatPercent } from "./format.js";

const WIDTH = 760;
const HEIGHT = 340;
const PLOT = { left: 64, right: 520, top: 20, bottom: 290 };
const LEGEND_X = 544;

/** One colour per rule; the same colours are used in the report's tables. */
export const RULE_COLOURS: Record<VoteRuleName, string> = { majority: "#0969da", verified: "#8250df", logprob: "#bf8700" };
const BASELINE_COLOUR = "#57606a";
const GREEDY_COLOUR = "#953800";

// fixed decimals keep the SVG small and stable across runs
const coordinate = (value: number): string => formatNumber(value, 1);

/** The x axis: log-spaced in k when k spans a factor of 4 or more (1, 2, 5, 10, 20, 40 read evenly), else linear. */
function xScale(kMin: number, kMax: number): (k: number) => number {
  if (kMax <= kMin) return () => (PLOT.left + PLOT.right) / 2;
  const logarithmic = kMax / kMin >= 4;
  const transform = logarithmic ? Math.log : (k: number): number => k;
  const from = transform(kMin);
  const span = transform(kMax) - from;
  return (k) => PLOT.left + ((transform(Math.min(Math.max(k, kMin), kMax)) - from) / span) * (PLOT.right - PLOT.left);
}

/** The y axis runs from 0 to the smallest of these that holds every value (1–3% values need not lie flat). */
const Y_TOPS = [0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.8, 1];

function yAxisTop(values: readonly number[]): number {
  const highest = Math.max(0, ...values);
  return Y_TOPS.find((top) => highest <= top) ?? 1;
}

/** A marker of a distinct shape per rule, so the rules can be told apart without colour. */
function marker(rule: VoteRuleName, x: number, y: number, attributes = "", title?: string): string {
  const fill = `fill="${RULE_COLOURS[rule]}"${attributes}`;
  const content = title === undefined ? "" : `<title>${escapeHtml(title)}</title>`;
  if (rule === "majority") return `<circle cx="${coordinate(x)}" cy="${coordinate(y)}" r="5" ${fill}>${content}</circle>`;
  if (rule === "verified") {
    return `<rect x="${coordinate(x - 4.5)}" y="${coordinate(y - 4.5)}" width="9" height="9" ${fill}>${content}</rect>`;
  }
  const points = [[x, y - 6], [x + 6, y], [x, y + 6], [x - 6, y]].map(([px, py]) => `${coordinate(px!)},${coordinate(py!)}`).join(" ");
  return `<polygon points="${points}" ${fill}>${content}</polygon>`;
}

/**
 * The report's plot as inline SVG (`id="accuracy-plot"`): voted accuracy (majority, `summary.curve`,
 * one `class="curve"` polyline with `data-rule`) against chains per problem, the single-chain accuracy
 * as a dashed baseline, the greedy baseline (when decoded) dotted, and each rule's final voted accuracy
 * as a marker at the mean number of samples used. Axes with ticks and labels; a legend on the right.
 *
 * @example
 * const svg = renderAccuracyPlot(summary); // "<svg id=\"accuracy-plot\" ...>...</svg>"
 */
export function renderAccuracyPlot(summary: RunSummary): string {
  const ks = [...new Set(summary.curve.map((point) => point.k))].sort((a, b) => a - b);
  const meanSamples = summary.meanSamplesUsed > 0 ? summary.meanSamplesUsed : 1;
  const kMin = Math.min(1, ...ks);
  const kMax = Math.max(kMin, meanSamples, ...ks);
  const x = xScale(kMin, kMax);
  const top = yAxisTop([
    ...summary.curve.map((point) => point.accuracy),
    ...[summary.singleChainAccuracy, summary.greedyAccuracy, ...Object.values(summary.votedAccuracy)].filter((v): v is number => v !== null),
  ]);
  const yScale = (accuracy: number): number => PLOT.bottom - (Math.min(Math.max(accuracy, 0), top) / top) * (PLOT.bottom - PLOT.top);
  const ticks = ks.length > 0 ? ks : [...new Set([kMin, Math.round(kMax)])];
  const parts: string[] = [];

  parts.push(
    `<svg id="accuracy-plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-labelledby="accuracy-plot-title">`,
    `<title id="accuracy-plot-title">Voted accuracy against chains per problem</title>`,
  );
  // grid and y axis: five steps from 0 to the axis top
  for (let tick = 0; tick <= 5; tick++) {
    const value = (top * tick) / 5;
    const y = coordinate(yScale(value));
    parts.push(
      `<line class="grid" x1="${PLOT.left}" x2="${PLOT.right}" y1="${y}" y2="${y}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${PLOT.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="12">${formatNumber(value * 100, top < 0.1 ? 1 : 0)}%</text>`,
    );
  }
  // x axis with a tick per k
  parts.push(`<line class="axis" x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}" stroke="#24292f"/>`);
  parts.push(`<line class="axis" x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#24292f"/>`);
  for (const k of ticks) {
    const tickX = coordinate(x(k));
    parts.push(
      `<line x1="${tickX}" x2="${tickX}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 5}" stroke="#24292f"/>`,
      `<text x="${tickX}" y="${PLOT.bottom + 18}" text-anchor="middle" font-size="12">${k}</text>`,
    );
  }
  parts.push(
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="13">chains per problem (k)</text>`,
    `<text transform="translate(16 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="13">voted accuracy</text>`,
  );

  const legend: string[] = [];
  const legendLine = (colour: string, dash: string, text: string): void => {
    const y = PLOT.top + 8 + legend.length * 22;
    legend.push(
      `<line x1="${LEGEND_X}" x2="${LEGEND_X + 28}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="2.5"${dash}/>` +
        `<text x="${LEGEND_X + 36}" y="${y}" dominant-baseline="middle" font-size="12">${escapeHtml(text)}</text>`,
    );
  };
  const legendMarker = (rule: VoteRuleName, text: string): void => {
    const y = PLOT.top + 8 + legend.length * 22;
    legend.push(`${marker(rule, LEGEND_X + 14, y)}<text x="${LEGEND_X + 36}" y="${y}" dominant-baseline="middle" font-size="12">${escapeHtml(text)}</text>`);
  };

  if (summary.singleChainAccuracy !== null) {
    const y = coordinate(yScale(summary.singleChainAccuracy));
    parts.push(
      `<line class="baseline" x1="${PLOT.left}" x2="${PLOT.right}" y1="${y}" y2="${y}" stroke="${BASELINE_COLOUR}" stroke-width="2" stroke-dasharray="6 4"><title>single chain: ${formatPercent(summary.singleChainAccuracy)}</title></line>`,
    );
    legendLine(BASELINE_COLOUR, ` stroke-dasharray="6 4"`, `single chain (${formatPercent(summary.singleChainAccuracy)})`);
  }
  if (summary.greedyAccuracy !== null) {
    const y = coordinate(yScale(summary.greedyAccuracy));
    parts.push(
      `<line class="greedy" x1="${PLOT.left}" x2="${PLOT.right}" y1="${y}" y2="${y}" stroke="${GREEDY_COLOUR}" stroke-width="2" stroke-dasharray="2 3"><title>greedy: ${formatPercent(summary.greedyAccuracy)}</title></line>`,
    );
    legendLine(GREEDY_COLOUR, ` stroke-dasharray="2 3"`, `greedy (${formatPercent(summary.greedyAccuracy)})`);
  }
  if (summary.curve.length > 0) {
    const points = summary.curve.map((point) => `${coordinate(x(point.k))},${coordinate(yScale(point.accuracy))}`).join(" ");
    parts.push(`<polyline class="curve" data-rule="majority" points="${points}" fill="none" stroke="${RULE_COLOURS.majority}" stroke-width="2.5"/>`);
    for (const point of summary.curve) {
      parts.push(
        `<circle cx="${coordinate(x(point.k))}" cy="${coordinate(yScale(point.accuracy))}" r="3.5" fill="${RULE_COLOURS.majority}"><title>maj@${point.k}: ${formatPercent(point.accuracy)}</title></circle>`,
      );
    }
    legendLine(RULE_COLOURS.majority, "", "majority vote, maj@k");
  } else {
    parts.push(`<text x="${(PLOT.left + PLOT.right) / 2}" y="${(PLOT.top + PLOT.bottom) / 2}" text-anchor="middle" font-size="13" fill="#57606a">no curve: no graded problems</text>`);
  }
  const rules = VOTE_RULES.filter((rule) => summary.votedAccuracy[rule] !== null);
  if (rules.length > 0) {
    const y = PLOT.top + 8 + legend.length * 22;
    legend.push(`<text x="${LEGEND_X}" y="${y}" dominant-baseline="middle" font-size="12" fill="${BASELINE_COLOUR}">final votes, at ${formatNumber(meanSamples, 1)} samples (mean):</text>`);
  }
  for (const rule of rules) {
    const accuracy = summary.votedAccuracy[rule];
    if (accuracy === null) continue;
    const title = `${rule} vote at ${formatNumber(meanSamples, 1)} samples: ${formatPercent(accuracy)}`;
    parts.push(marker(rule, x(meanSamples), yScale(accuracy), ` class="rule-point" data-rule="${rule}" stroke="#ffffff" stroke-width="1"`, title));
    legendMarker(rule, `${rule} vote (${formatPercent(accuracy)})`);
  }
  parts.push(`<g class="legend">${legend.join("")}</g>`, `</svg>`);
  return parts.join("\n");
}
