import { describe, expect, it } from "vitest";
import { OptionsError } from "../../src/errors.js";
import { buildPrompt } from "../../src/prompt/build-prompt.js";
import { fillTemplate } from "../../src/prompt/fill-template.js";
import { loadPromptSet } from "../../src/prompt/prompt-set.js";

const question = "Ben buys 4 books for $4 each. Ben pays with $20. How much change does Ben get?";

describe("buildPrompt", () => {
  it("zero-shot in the shipped model's own format", async () => {
    const set = await loadPromptSet("shipped-zero-shot");
    expect(buildPrompt(set, question)).toEqual({ text: `Q: ${question}\nA: `, stop: ["\n\n", "Q:"] });
    expect(buildPrompt(set, question, { shots: 0 })).toEqual(buildPrompt(set, question));
  });

  it("one-shot and few-shot join exemplars with a blank line before the question", async () => {
    const set = await loadPromptSet("shipped-few-shot");
    const [first, second, third] = set.exemplars;
    expect(buildPrompt(set, question, { shots: 1 }).text).toBe(`Q: ${first?.question}\nA: ${first?.chain}\n\nQ: ${question}\nA: `);
    const all = buildPrompt(set, question).text;
    expect(all).toBe(buildPrompt(set, question, { shots: "all" }).text);
    expect(all).toBe(
      [first, second, third].map((exemplar) => `Q: ${exemplar?.question}\nA: ${exemplar?.chain}`).join("\n\n") + `\n\nQ: ${question}\nA: `,
    );
    expect(buildPrompt(set, question, { shots: 0 }).text).toBe(`Q: ${question}\nA: `);
  });

  it("the 8-shot GSM8K set in Question/Answer form", async () => {
    const set = await loadPromptSet("gsm8k-8shot");
    const { text, stop } = buildPrompt(set, question);
    expect(text.startsWith("Question: Natalia sold clips")).toBe(true);
    expect(text.endsWith(`\n\nQuestion: ${question}\nAnswer: `)).toBe(true);
    expect(text.match(/^Question: /gm)).toHaveLength(9);
    expect(stop).toEqual(["\n\n", "Question:"]);
    expect(buildPrompt(set, question, { shots: 2 }).text.match(/^Question: /gm)).toHaveLength(3);
  });

  it("refuses more shots than exemplars, or a negative count", async () => {
    const set = await loadPromptSet("shipped-few-shot");
    expect(() => buildPrompt(set, question, { shots: 4 })).toThrow(OptionsError);
    expect(() => buildPrompt(set, question, { shots: -1 })).toThrow(OptionsError);
    expect(() => buildPrompt(set, question, { shots: 1.5 })).toThrow(OptionsError);
  });

  it("fills placeholders once, so a question mentioning {chain} stays as written", () => {
    expect(fillTemplate("Q: {question}\nA: {chain}", { question: "what is {chain}?", chain: "42" })).toBe("Q: what is {chain}?\nA: 42");
  });
});
