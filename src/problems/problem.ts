/**
 * One problem of a problem set, whatever file format it came from.
 *
 * @example
 * const problem: Problem = { id: "easy-0001", question: "Ben buys 4 books for $4 each. ...", gold: "4" };
 */
export interface Problem {
  /** Unique within its file; generated (`line-7`, `gsm8k-7`) when the file has no ids. */
  id: string;
  question: string;
  /** The normalised numeric answer as a string ("18", "0.75"), or null when the file gives none. */
  gold: string | null;
  /** Fields of the record that cot-sc does not use itself (e.g. `family`, `level`, `lang`), kept as given. */
  meta?: Record<string, unknown>;
  /** Where the problem was read from (`readProblems` sets it), so errors about it can name it. */
  source?: { file: string; line?: number; field?: string };
}
