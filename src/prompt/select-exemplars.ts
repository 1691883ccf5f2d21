import { OptionsError } from "../errors.js";
import type { Exemplar, PromptSet, Shots } from "./prompt-set.js";

/**
 * The first `shots` exemplars of a set (all of them for "all"; the set's `defaultShots` when undefined).
 * Asking for more exemplars than the set has is an OptionsError rather than a silently shorter prompt.
 *
 * @example
 * selectExemplars(set, 1); // [set.exemplars[0]]
 */
export function selectExemplars(set: PromptSet, shots: Shots | undefined): Exemplar[] {
  const wanted = shots ?? set.defaultShots;
  if (wanted === "all") return [...set.exemplars];
  if (!Number.isInteger(wanted) || wanted < 0) {
    throw new OptionsError("invalid shots", [`shots: expected 0, 1, another whole number or "all", got ${String(wanted)}`]);
  }
  if (wanted > set.exemplars.length) {
    throw new OptionsError("invalid shots", [`shots: prompt set "${set.name}" has ${set.exemplars.length} exemplars, ${wanted} asked for`]);
  }
  return set.exemplars.slice(0, wanted);
}
