import { describe, expect, it } from "vitest";
import { renderReport } from "../../src/cli/report.js";
import { sampleResults, sampleSummary } from "./sample-results.js";

const meta = { title: "fixture <run>", command: "cot-sc run fixtures/x.jsonl --samples 3", model: "models/tiny", generatedAt: "2025-01-01T00:00:00Z" };
const count = (text: string, needle: string): number => text.split(needle).length - 1;

describe("renderReport", () => {
  const html = renderReport(sampleResults(), sampleSummary(), meta);

  it("escapes hostile text from questions, ids, chains, answers and warnings", () => {
    // the page's own filter script is the only script element, and no injected element survives
    expect(count(html.toLowerCase(), "<script")).toBe(1);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>id</b>");
    expect(html).not.toContain("</pre><script>");
    expect(html).toContain("&lt;/pre&gt;&lt;script&gt;window.pwned = 1;");
    expect(html).toContain("onerror=&quot;console.error(1)&quot;");
    expect(html).toContain("&#39;single&#39; &amp;amp;");
    expect(html).toContain("<title>fixture &lt;run&gt;</title>");
    expect(html).toContain("<code>&lt;script&gt;</code>");
  });

  it("is self-contained: no external resources, and a policy that forbids loading any", () => {
    expect(html).not.toMatch(/\s(?:src|href)="(?!#|data:)/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';[^"]*script-src 'sha256-[A-Za-z0-9+/=]+'"/);
  });

  it("contains the plot: one curve (majority), a dashed single-chain baseline, and a marker per rule", () => {
    expect(count(html, `id="accuracy-plot"`)).toBe(1);
    expect(count(html, `class="curve"`)).toBe(1);
    expect(html).toContain(`class="curve" data-rule="majority"`);
    for (const rule of ["majority", "verified", "logprob"]) expect(html).toContain(`class="rule-point" data-rule="${rule}"`);
    expect(html).toMatch(/class="baseline"[^>]*stroke-dasharray/);
    expect(html).toContain(`class="greedy"`);
    for (const label of ["chains per problem (k)", "voted accuracy", "0%", "60%", "single chain (40.0%)"]) expect(html).toContain(label);
  });

  it("leaves out what it does not have: no greedy line, no curve", () => {
    const bare = renderReport([], sampleSummary({ greedyAccuracy: null, singleChainAccuracy: null, curve: [] }), meta);
    expect(bare).toContain(`id="accuracy-plot"`);
    expect(bare).not.toContain(`class="curve"`);
    expect(bare).not.toContain(`class="greedy"`);
    expect(bare).not.toContain(`class="baseline"`);
    expect(bare).toContain("no curve: no graded problems");
    expect(bare).toContain("No problems.");
  });

  it("renders one section per problem with its outcome, its vote table and every chain with its steps", () => {
    expect(count(html, `<section class="problem"`)).toBe(3);
    expect(html).toContain(`<section class="problem" id="p0" data-correct="true">`);
    expect(html).toContain(`<section class="problem" id="p1" data-correct="false">`);
    expect(html).toContain(`<section class="problem" id="p2" data-correct="unknown">`);
    expect(count(html, `<details class="chain"`)).toBe(3 + 2 + 3);
    expect(count(html, `<table class="votes">`)).toBe(3);
    // steps that passed are counted; the list names only the ones that failed or went unchecked
    expect(html).toMatch(/<p class="ok">(\d+) of \1 steps right\.<\/p>/);
    expect(html).toContain(`<li class="bad">2*3 = 7500 (actual: 6) ✗`);
    expect(html).toContain(`href="#p0-c2"`);
    expect(html).toContain(`id="p0-c2"`);
    expect(html).toContain("1.235"); // a fractional vote weight
    expect(html).toContain("voted accuracy (verified)</td><td>55.0%");
    // the split votes, linked to their problems
    expect(html).toContain("Where the chains split");
    expect(html).toMatch(/<table class="split">.*<tr data-share="0.3333333333333333" data-distinct="3" data-entropy="1.585"><td><a href="#p2">no-gold<\/a>/s);
    expect(html).toContain(`<th data-sort="entropy"`);
  });

  it("stays proportional to its content for a large run", () => {
    const [one] = sampleResults();
    const chains = Array.from({ length: 20 }, (_, index) => ({ ...one!.chains[0]!, index }));
    const results = Array.from({ length: 1000 }, (_, index) => ({ ...one!, id: `p${index}`, chains }));
    const started = performance.now();
    const big = renderReport(results, sampleSummary(), meta);
    expect(performance.now() - started).toBeLessThan(5_000);
    // about 20,000 chains: well under 1.5 kB of markup each for these short chains
    expect(big.length).toBeLessThan(1000 * 20 * 1500);
  });

  it("puts the answers with one chain each in one row, says why sampling stopped in words, shows the settings", () => {
    const [one] = sampleResults();
    const chains = Array.from({ length: 12 }, (_, index) => ({ ...one!.chains[0]!, index, answer: String(100 + index) }));
    const votes = chains.map((chain) => ({ answer: chain.answer, count: 1, weight: 1, chains: [chain.index] }));
    const spread = { ...one!, chains, votes, stoppedBy: "budget" as const };
    const settings = { backend: "onnx", promptSet: "p", shots: null, samples: 12, seed: 1, temperature: 0.7, topK: 0, topP: 1, maxTokens: 9, stopping: { rule: "fixed" }, vote: "majority" as const, calculator: false, greedyBaseline: false, version: "0.1.0" };
    const page = renderReport([spread], sampleSummary({ provenance: { input: { file: "/x/set.jsonl", sha256: "ab".repeat(32) }, settings, skipped: 0 } }), meta);
    expect(page).toContain("11 answers with one chain each");
    expect(page).toContain("every chain asked for was drawn");
    expect(page).not.toContain("stopped by budget");
    expect(page).toContain(`<details class="settings">`);
    expect(page).toContain("/x/set.jsonl");
  });

  it("fits the y axis to the data: 1–3% values do not lie flat on a 0–100% axis", () => {
    const low = renderReport([], sampleSummary({ singleChainAccuracy: 0.013, votedAccuracy: { majority: 0.02, verified: 0.02, logprob: 0.015 }, curve: [{ k: 1, accuracy: 0.013 }, { k: 2, accuracy: 0.02 }], greedyAccuracy: null }), meta);
    expect(low).toContain(">5.0%</text>");
    expect(low).not.toContain(">100%</text>");
  });
});
