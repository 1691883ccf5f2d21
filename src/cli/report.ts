import { createHash } from "node:crypto";
import { VOTE_RULES } from "../run/index.js";
import type { ChainReport, ProblemResult, RunSummary, VoteEntry, VoteRuleName } from "../run/types.js";
import type { StepVerdict } from "../verify/index.js";
import { RULE_COLOURS, renderAccuracyPlot } from "./accuracy-plot.js";
import { escapeHtml } from "./escape-html.js";
import { MISSING, formatDuration, formatInteger, formatNumber, formatPercent } from "./format.js";

/** What the report says about the run itself, above the numbers. */
export interface ReportMeta {
  title: string;
  /** The command line that produced the run, shown so the report can be reproduced. */
  command: string;
  model?: string;
  /** When the report was written (ISO 8601); passed in so that rendering is deterministic. */
  generatedAt: string;
}

const RULES: readonly VoteRuleName[] = VOTE_RULES;

const STYLE = `
:root{color-scheme:light;--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--muted:#57606a;--line:#d0d7de}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#24292f;margin:0 auto;max-width:1100px;padding:16px 24px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid var(--line)}h3{font-size:15px;margin:0 0 6px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:8px;border-radius:4px;margin:6px 0}
table{border-collapse:collapse;margin:6px 0}th,td{text-align:left;padding:2px 10px 2px 0;vertical-align:top}
th{color:var(--muted);font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:var(--muted)}.meta code{color:#24292f;overflow-wrap:anywhere}
.summary td:first-child{color:var(--muted);padding-right:24px}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;font-weight:600}
.ok{color:var(--ok)}.bad{color:var(--bad)}.na{color:var(--muted)}
.badge.ok{background:var(--ok-bg)}.badge.bad{background:var(--bad-bg)}.badge.na{background:#eaeef2}
.problem{border:1px solid var(--line);border-left:4px solid var(--line);border-radius:4px;padding:10px 12px;margin:10px 0}
.problem[data-correct=true]{border-left-color:var(--ok)}.problem[data-correct=false]{border-left-color:var(--bad)}
.question{white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0}
.bar{width:160px;height:10px;background:#eaeef2;border-radius:2px}.bar>div{height:10px;background:#0969da;border-radius:2px}
details.chain{margin:3px 0;border-top:1px solid #eaeef2}details.chain>summary{cursor:pointer;padding:2px 0}
ol.steps{margin:2px 0 6px;padding-left:22px}ol.steps li.ok::marker,ol.steps li.bad::marker{color:inherit}
.warnings{color:#9a6700}
.filter button{font:inherit;margin-right:6px;padding:2px 10px;border:1px solid var(--line);border-radius:4px;background:#f6f8fa;cursor:pointer}
.filter button[aria-pressed=true]{background:#0969da;color:#fff;border-color:#0969da}
body[data-show=right] .problem:not([data-correct=true]),body[data-show=wrong] .problem:not([data-correct=false]),body[data-show=ungraded] .problem:not([data-correct=unknown]){display:none}
`;

// The only script: the filter buttons and the sortable split-votes table. It reads only numbers cot-sc
// wrote into data attributes and moves existing rows, so hostile text cannot reach it.
// `data-script="ready"` on <body> tells a test that the policy let it run.
const SCRIPT = `
document.body.dataset.script = "ready";
for (const button of document.querySelectorAll("[data-show-filter]")) {
  button.addEventListener("click", () => {
    document.body.dataset.show = button.dataset.showFilter;
    for (const other of document.querySelectorAll("[data-show-filter]")) other.setAttribute("aria-pressed", String(other === button));
  });
}
for (const header of document.querySelectorAll("th[data-sort]")) {
  header.addEventListener("click", () => {
    const body = header.closest("table").tBodies[0];
    const key = header.dataset.sort;
    const ascending = header.dataset.order !== "ascending";
    header.dataset.order = ascending ? "ascending" : "descending";
    const rows = [...body.rows].sort((a, b) => (Number(a.dataset[key]) - Number(b.dataset[key])) * (ascending ? 1 : -1));
    for (const row of rows) body.appendChild(row);
  });
}
`;

// The page may load nothing (no network) and may run only the script above, by its hash: even if some
// text escaped escaping, an injected script would not run.
const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${createHash("sha256").update(SCRIPT).digest("base64")}'`;

const mark = (correct: boolean | null): string =>
  correct === null ? `<span class="na" title="no gold answer">?</span>` : correct ? `<span class="ok">✓</span>` : `<span class="bad">✗</span>`;

function badge(correct: boolean | null): string {
  if (correct === null) return `<span class="badge na">no gold</span>`;
  return correct ? `<span class="badge ok">right</span>` : `<span class="badge bad">wrong</span>`;
}

const answerText = (answer: string | null): string => (answer === null ? `<span class="na">no answer</span>` : `<code>${escapeHtml(answer)}</code>`);

const weightText = (weight: number): string => (Number.isInteger(weight) ? String(weight) : formatNumber(weight, 3));

function renderSummary(results: readonly ProblemResult[], summary: RunSummary): string {
  const right = results.filter((result) => result.correct === true).length;
  const wrong = results.filter((result) => result.correct === false).length;
  const rows: Array<[string, string]> = [
    ["problems", `${formatInteger(summary.problems)} (${formatInteger(summary.withGold)} with gold; ${right} right, ${wrong} wrong by the chosen rule)`],
    ["single-chain accuracy", formatPercent(summary.singleChainAccuracy)],
  ];
  if (summary.greedyAccuracy !== null) rows.push(["greedy accuracy", formatPercent(summary.greedyAccuracy)]);
  for (const rule of RULES) rows.push([`voted accuracy (${rule})`, formatPercent(summary.votedAccuracy[rule])]);
  rows.push(
    ["mean samples used", formatNumber(summary.meanSamplesUsed, 1)],
    ["generated tokens", `${formatInteger(summary.generatedTokens)} (prompt tokens ${formatInteger(summary.promptTokens)})`],
    ["tokens/s", summary.tokensPerSecond === null ? "— (replayed, not decoded)" : formatNumber(summary.tokensPerSecond, 1)],
    ["wall time", formatDuration(summary.wallSeconds)],
  );
  const curve = summary.curve.map((point) => `<tr><td>maj@${point.k}</td><td class="n">${formatPercent(point.accuracy)}</td></tr>`).join("");
  return [
    `<table class="summary">${rows.map(([label, value]) => `<tr><td>${escapeHtml(label)}</td><td>${escapeHtml(value)}</td></tr>`).join("")}</table>`,
    curve === "" ? "" : `<details><summary>curve values</summary><table class="summary">${curve}</table></details>`,
  ].join("\n");
}

function renderVotes(result: ProblemResult, problemIndex: number, chainsByIndex: ReadonlyMap<number, ChainReport>): string {
  if (result.votes.length === 0) return `<p class="na">No chain gave an answer.</p>`;
  const totalWeight = result.votes.reduce((sum, entry) => sum + entry.weight, 0);
  const totalCount = result.votes.reduce((sum, entry) => sum + entry.count, 0);
  // share of the vote as the rule counts it: by weight when weights exist, else by count
  const share = (entry: VoteEntry): number => (totalWeight > 0 ? entry.weight / totalWeight : totalCount > 0 ? entry.count / totalCount : 0);
  // why: a sampled model's long tail of answers with one chain each would be a row apiece (most of a
  // 200-problem report's size); they share one row
  const singles = result.votes.filter((entry) => entry.count === 1 && entry !== result.votes[0]);
  const listed = singles.length > 1 ? result.votes.filter((entry) => !singles.includes(entry)) : result.votes;
  const rows = listed.map((entry) => {
    const correct = entry.chains.map((index) => chainsByIndex.get(index)?.correct).find((value) => value !== undefined) ?? null;
    const percent = share(entry) * 100;
    const links = entry.chains.map((index) => `<a href="#p${problemIndex}-c${index}">${index}</a>`).join(" ");
    return (
      `<tr><td>${answerText(entry.answer)} ${mark(correct)}</td><td class="n">${entry.count}</td><td class="n">${weightText(entry.weight)}</td>` +
      `<td><div class="bar" title="${formatNumber(percent, 1)}%"><div style="width:${formatNumber(percent, 1)}%"></div></div></td>` +
      `<td class="n">${formatNumber(percent, 1)}%</td><td class="mono">${links}</td></tr>`
    );
  });
  if (singles.length > 1) {
    const percent = singles.reduce((sum, entry) => sum + share(entry), 0) * 100;
    const answers = singles.map((entry) => `<a href="#p${problemIndex}-c${entry.chains[0]}">${escapeHtml(entry.answer)}</a>`).join(" ");
    rows.push(
      `<tr><td>${singles.length} answers with one chain each</td><td class="n">${singles.length}</td><td></td>` +
        `<td><div class="bar" title="${formatNumber(percent, 1)}%"><div style="width:${formatNumber(percent, 1)}%"></div></div></td>` +
        `<td class="n">${formatNumber(percent, 1)}%</td><td class="mono">${answers}</td></tr>`,
    );
  }
  return `<table class="votes"><tr><th>answer</th><th>count</th><th>weight</th><th colspan="2">share (${escapeHtml(result.rule)})</th><th>chains</th></tr>${rows.join("")}</table>`;
}

function renderRules(result: ProblemResult): string {
  const rows = RULES.map((rule) => {
    const outcome = result.byRule[rule];
    const chosen = rule === result.rule ? " (chosen)" : "";
    return `<tr><td style="color:${RULE_COLOURS[rule]}">${rule}${chosen}</td><td>${answerText(outcome.answer)} ${mark(outcome.correct)}</td><td class="n">${formatPercent(outcome.share)}</td></tr>`;
  });
  return `<table class="rules"><tr><th>rule</th><th>answer</th><th>share</th></tr>${rows.join("")}</table>`;
}

function renderStep(step: StepVerdict): string {
  const equation = `${escapeHtml(step.expression)} = ${escapeHtml(step.claimed)}`;
  const source = step.source === "annotation" ? ` <span class="na">&lt;&lt;annotation&gt;&gt;</span>` : "";
  if (step.kind === "unparsable") return `<li class="na">${equation} (unchecked: ${escapeHtml(step.reason)}) ?${source}</li>`;
  return `<li class="${step.ok ? "ok" : "bad"}">${equation} (actual: ${escapeHtml(step.actual)}) ${step.ok ? "✓" : "✗"}${source}</li>`;
}

function renderChain(chain: ChainReport, problemIndex: number): string {
  // the chain's text shows every step; the list names only the ones that failed or went unchecked
  const flagged = chain.steps.filter((step) => step.kind !== "checked" || !step.ok);
  const steps =
    chain.steps.length === 0
      ? `<p class="na">No calculations found.</p>`
      : flagged.length === 0
        ? `<p class="ok">${chain.steps.length} of ${chain.steps.length} steps right.</p>`
        : `<ol class="steps">${flagged.map(renderStep).join("")}</ol>`;
  // why: derived from the steps, so results written before chains carried a status read the same
  const unchecked = chain.steps.length - chain.checked;
  const partial = !chain.verified && unchecked > 0 && chain.passed === chain.checked;
  const badge = chain.verified ? ` <span class="ok">verified</span>` : partial ? ` <span class="na">partial: ${unchecked} unchecked</span>` : "";
  const stepSummary = `steps ${chain.passed}/${chain.checked}${badge}`;
  const heading =
    `#${chain.index} · answer ${answerText(chain.answer)} ${mark(chain.correct)} · ${stepSummary} · ${escapeHtml(chain.finishReason)}` +
    ` · ${formatInteger(chain.tokens)} tokens · logprob ${formatNumber(chain.logprob, 2)}`;
  const status = chain.correct === null ? "unknown" : String(chain.correct);
  return `<details class="chain" id="p${problemIndex}-c${chain.index}" data-correct="${status}"><summary>${heading}</summary><pre>${escapeHtml(chain.text)}</pre>${steps}</details>`;
}

/** The problems whose chains split, fewest agreeing first, each linked to its section. */
function renderSplit(results: readonly ProblemResult[], summary: RunSummary): string {
  const split = summary.disagreement?.split ?? [];
  if (split.length === 0) return `<p class="na">No split votes: every problem's most common answer has at least half of its chains.</p>`;
  const indexOf = new Map(results.map((result, index) => [result.id, index] as const));
  const rows = split.map(
    (s) =>
      `<tr data-share="${s.share}" data-distinct="${s.distinct}" data-entropy="${s.entropy}"><td><a href="#p${indexOf.get(s.id) ?? 0}">${escapeHtml(s.id)}</a></td><td class="n">${formatPercent(s.share)}</td><td class="n">${s.distinct}</td><td class="n">${formatNumber(s.entropy, 2)}</td><td>${answerText(s.answer)} ${mark(s.correct)}</td></tr>`,
  );
  return [
    `<p>${split.length} of ${results.length} problems: the most common answer has less than half of the chains (mean agreement ${formatPercent(summary.disagreement.meanShare)}). Worth a person's look.</p>`,
    `<table class="split"><thead><tr><th>problem</th><th data-sort="share" title="sort">top answer's share ⇅</th><th data-sort="distinct" title="sort">distinct answers ⇅</th><th data-sort="entropy" title="sort">entropy (bits) ⇅</th><th>voted answer</th></tr></thead><tbody>${rows.join("")}</tbody></table>`,
  ].join("\n");
}

function renderProblem(result: ProblemResult, problemIndex: number): string {
  const chainsByIndex = new Map(result.chains.map((chain) => [chain.index, chain] as const));
  const status = result.correct === null ? "unknown" : String(result.correct);
  const facts = [
    `<tr><th>gold</th><td>${result.gold === null ? `<span class="na">${MISSING}</span>` : `<code>${escapeHtml(result.gold)}</code>`}</td></tr>`,
    `<tr><th>answer (${escapeHtml(result.rule)})</th><td>${answerText(result.answer)} ${badge(result.correct)} vote share ${formatPercent(result.voteShare)}</td></tr>`,
    `<tr><th>samples</th><td>${result.samplesUsed} (${result.stoppedBy === "rule" ? "stopped early: the vote was settled" : "every chain asked for was drawn"}); single-chain accuracy ${formatPercent(result.chainAccuracy)}</td></tr>`,
  ];
  const greedy =
    result.greedy === undefined
      ? ""
      : `<details class="greedy"><summary>greedy: ${answerText(result.greedy.answer)} ${mark(result.greedy.correct)}</summary><pre>${escapeHtml(result.greedy.text)}</pre></details>`;
  const warnings = result.warnings.length === 0 ? "" : `<ul class="warnings">${result.warnings.map((warning) => `<li>${escapeHtml(warning)}</li>`).join("")}</ul>`;
  return [
    `<section class="problem" id="p${problemIndex}" data-correct="${status}">`,
    `<h3>${badge(result.correct)} ${escapeHtml(result.id)}</h3>`,
    `<p class="question">${escapeHtml(result.question)}</p>`,
    `<table class="facts">${facts.join("")}</table>`,
    renderRules(result),
    renderVotes(result, problemIndex, chainsByIndex),
    greedy,
    `<div class="chains">${result.chains.map((chain) => renderChain(chain, problemIndex)).join("\n")}</div>`,
    warnings,
    `</section>`,
  ].join("\n");
}

/** The settings panel: what the run was made with (input, model, prompt set, sampling, votes, version). */
function renderSettings(summary: RunSummary): string {
  const provenance = summary.provenance;
  if (!provenance) return "";
  const rows: Array<[string, string]> = [
    ["input", `${provenance.input.file} (sha256 ${provenance.input.sha256.slice(0, 16)}…)`],
    ...Object.entries(provenance.settings).map(([key, value]): [string, string] => [key, typeof value === "string" ? value : JSON.stringify(value)]),
    ["throughput measured over", summary.timing.span],
  ];
  if (provenance.skipped > 0) rows.push(["skipped as invalid", String(provenance.skipped)]);
  return `<details class="settings"><summary>settings</summary><table class="summary">${rows.map(([label, value]) => `<tr><td>${escapeHtml(label)}</td><td>${escapeHtml(value)}</td></tr>`).join("")}</table></details>`;
}

function renderFilter(results: readonly ProblemResult[]): string {
  const count = (status: boolean | null): number => results.filter((result) => result.correct === status).length;
  const button = (filter: string, label: string, pressed: boolean): string =>
    `<button type="button" data-show-filter="${filter}" aria-pressed="${pressed}">${label}</button>`;
  return (
    `<p class="filter">Show: ${button("all", `all (${results.length})`, true)}${button("right", `right (${count(true)})`, false)}` +
    `${button("wrong", `wrong (${count(false)})`, false)}${count(null) > 0 ? button("ungraded", `no gold (${count(null)})`, false) : ""}</p>`
  );
}

/**
 * The run as one self-contained HTML page (no network, no external files): the summary, an inline SVG
 * plot of voted accuracy against chains per problem (`#accuracy-plot`, with the single-chain accuracy as
 * a dashed baseline), and per problem (`<section class="problem" data-correct="true|false|unknown">`,
 * `unknown` when there is no gold answer) the question, gold, the answer and whether it is right, each
 * rule's outcome, the vote distribution and every chain (collapsed) with its checked steps marked.
 *
 * All text from problems and chains is escaped, and a Content-Security-Policy lets only the page's own
 * filter script run. Chains are plain `<details>` with no per-chain graphics, so a run of 1,000 problems
 * × 20 chains stays a file a browser opens.
 *
 * @example
 * await writeFile("report.html", renderReport(results, summarize(results, seconds), {
 *   title: "gsm8k test", command: "cot-sc run gsm8k.jsonl --samples 20", generatedAt: new Date().toISOString(),
 * }));
 */
export function renderReport(results: readonly ProblemResult[], summary: RunSummary, meta: ReportMeta): string {
  const title = escapeHtml(meta.title);
  const metaLines = [
    `<div>command: <code>${escapeHtml(meta.command)}</code></div>`,
    meta.model === undefined ? "" : `<div>model: <code>${escapeHtml(meta.model)}</code></div>`,
    `<div>generated: ${escapeHtml(meta.generatedAt)}</div>`,
    renderSettings(summary),
  ];
  return [
    `<!DOCTYPE html>`,
    `<html lang="en">`,
    `<head>`,
    `<meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    // an empty icon, so that the browser does not go looking for /favicon.ico
    `<link rel="icon" href="data:,">`,
    `<title>${title}</title>`,
    `<style>${STYLE}</style>`,
    `</head>`,
    `<body data-show="all">`,
    `<h1>${title}</h1>`,
    `<div class="meta">${metaLines.join("")}</div>`,
    `<h2>Summary</h2>`,
    renderSummary(results, summary),
    `<h2>Voted accuracy against samples</h2>`,
    renderAccuracyPlot(summary),
    `<h2>Where the chains split</h2>`,
    renderSplit(results, summary),
    `<h2>Problems</h2>`,
    results.length === 0 ? `<p class="na">No problems.</p>` : renderFilter(results),
    ...results.map(renderProblem),
    `<script>${SCRIPT}</script>`,
    `</body>`,
    `</html>`,
    ``,
  ].join("\n");
}
