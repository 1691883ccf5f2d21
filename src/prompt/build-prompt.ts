import { fillTemplate } from "./fill-template.js";
import type { PromptSet, Shots } from "./prompt-set.js";
import { selectExemplars } from "./select-exemplars.js";

export interface PromptOptions {
  /** 0 (zero-shot), 1 (one-shot), n, or "all"; default: the set's `defaultShots`. */
  shots?: Shots;
}

/** A prompt ready for a backend: the text the model continues, and the strings that end its chain. */
export interface BuiltPrompt {
  text: string;
  stop: string[];
}

/**
 * Builds a plain-text prompt: prefix, then the chosen exemplars and the question joined by the separator.
 *
 * @example
 * const set = await loadPromptSet("shipped-zero-shot");
 * buildPrompt(set, "What is 17+25?", { shots: 0 }); // { text: "Q: What is 17+25?\nA: ", stop: ["\n\n", "Q:"] }
 */
export function buildPrompt(set: PromptSet, question: string, options: PromptOptions = {}): BuiltPrompt {
  const { template } = set;
  const blocks = selectExemplars(set, options.shots).map((exemplar) => fillTemplate(template.exemplar, exemplar));
  blocks.push(fillTemplate(template.question, { question }));
  return { text: template.prefix + blocks.join(template.separator), stop: [...set.stop] };
}
