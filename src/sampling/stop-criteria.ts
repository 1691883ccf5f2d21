/**
 * Rules that end a chain, as small objects the decode loop asks after every token (llama.cpp's and
 * Hugging Face's stopping criteria). Each looks only at the bytes the token just added, so a check costs
 * O(token) and nothing is allocated per token. The model's end-of-sequence token is the loop's own rule:
 * it ends a chain before any text is written.
 */
export interface StopCriterion {
  /** The finish reason a chain stopped by this rule reports. */
  readonly reason: "stop" | "length";
  /**
   * After a token: `-1` to go on, or the length (in bytes) the chain's text keeps when it stops here.
   * `bytes[0..length)` is the chain's text so far, of which the last `added` bytes are the new token's;
   * `tokens` is how many tokens the chain has generated.
   */
  check(bytes: Uint8Array, length: number, added: number, tokens: number): number;
}

/** Ends a chain at the first of `stops` it writes; the text stops before it. */
export function stopStrings(stops: readonly string[]): StopCriterion | undefined {
  const encoded = stops.filter((s) => s.length > 0).map((s) => new TextEncoder().encode(s));
  if (encoded.length === 0) return undefined;
  return {
    reason: "stop",
    check(buffer, length, added) {
      let earliest = -1;
      for (const stop of encoded) {
        // only a match that ends within the new bytes is new
        for (let start = Math.max(0, length - added - stop.length + 1); start + stop.length <= length; start++) {
          let match = true;
          for (let i = 0; i < stop.length; i++) {
            if (buffer[start + i] !== stop[i]) {
              match = false;
              break;
            }
          }
          if (match) {
            if (earliest < 0 || start < earliest) earliest = start;
            break;
          }
        }
      }
      return earliest;
    },
  };
}

/** Ends a chain after `limit` generated tokens (finish reason `length`). */
export function maxTokens(limit: number): StopCriterion {
  return { reason: "length", check: (_bytes, length, _added, tokens) => (tokens >= limit ? length : -1) };
}

const HASH = 0x23;
const SPACE = 0x20;
const NEWLINE = 0x0a;

/**
 * GSM8K's answer line: ends a chain once it completes a line `#### <answer>` (with its newline, which is
 * dropped), since nothing after the answer is read. A request asks for it (`stopAtAnswerLine`); the
 * decode loop knows no answer format of its own.
 */
export function answerLine(): StopCriterion {
  return {
    reason: "stop",
    check(buffer, length, added) {
      for (let i = length - added; i < length; i++) {
        if (buffer[i] !== NEWLINE) continue;
        // the line that this newline ends: back to the previous newline (lines are short)
        let start = i;
        while (start > 0 && buffer[start - 1] !== NEWLINE) start--;
        const isAnswer =
          i - start >= 6 && buffer[start] === HASH && buffer[start + 1] === HASH && buffer[start + 2] === HASH && buffer[start + 3] === HASH && buffer[start + 4] === SPACE;
        if (isAnswer) return i;
      }
      return -1;
    },
  };
}
