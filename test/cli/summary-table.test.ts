import { describe, expect, it } from "vitest";
import { formatSummaryTable } from "../../src/cli/summary-table.js";
import { sampleSummary } from "./sample-results.js";

describe("formatSummaryTable", () => {
  it("lists every figure, aligned, and the curve as maj@k rows", () => {
    const table = formatSummaryTable(sampleSummary());
    const lines = table.split("\n");
    const value = (label: string): string | undefined => lines.find((line) => line.trimStart().startsWith(label))?.trim().slice(label.length).trim();
    expect(value("problems")).toBe("3 (2 with gold)");
    expect(value("single-chain accuracy")).toBe("40.0%");
    expect(value("greedy accuracy")).toBe("50.0%");
    expect(value("voted accuracy (majority)")).toBe("50.0%");
    expect(value("voted accuracy (verified)")).toBe("55.0%");
    expect(value("voted accuracy (logprob)")).toBe("45.0%");
    expect(value("mean samples used")).toBe("2.7");
    expect(value("generated tokens")).toBe("12,345");
    expect(value("tokens/s")).toBe("123.5");
    expect(value("wall time")).toBe("3m 07s");
    expect(value("maj@1")).toBe("40.0%");
    expect(value("maj@3")).toBe("50.0%");
    // the first table's values end in one column
    const first = lines.slice(1, lines.indexOf(""));
    expect(new Set(first.map((line) => line.length)).size).toBe(1);
    expect(table).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it("leaves out the greedy row when there is no baseline, and prints missing figures as a dash", () => {
    const table = formatSummaryTable(
      sampleSummary({ greedyAccuracy: null, singleChainAccuracy: null, withGold: 3, curve: [], votedAccuracy: { majority: null, verified: null, logprob: null } }),
    );
    expect(table).not.toContain("greedy");
    expect(table).not.toContain("maj@");
    expect(table).toMatch(/single-chain accuracy\s+—/);
    expect(table).toMatch(/problems\s+3\n/);
  });
});
