import type { z } from "zod";
import { InputError } from "../errors.js";

/**
 * Turns a failed zod parse into an InputError that names the file, the line and the first bad field.
 *
 * @example
 * const parsed = schema.safeParse(value);
 * if (!parsed.success) throw inputErrorFromZod(parsed.error, "fixtures/x.jsonl", 7);
 * // fixtures/x.jsonl:7 (field "question"): Invalid input: expected string, received undefined
 */
export function inputErrorFromZod(error: z.ZodError, file: string, line?: number, fieldPrefix?: string): InputError {
  // Why only the first issue: a user fixes one field at a time, and one line names one place in the file.
  const issue = error.issues[0];
  const path = [...(fieldPrefix === undefined ? [] : [fieldPrefix]), ...(issue?.path ?? []).map(String)];
  const field = path.length === 0 ? undefined : path.join(".").replace(/\.\[/g, "[");
  return new InputError(issue?.message ?? error.message, file, line, field, { cause: error });
}
