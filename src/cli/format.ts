/**
 * Number formatting shared by the terminal table, the progress line and the HTML report, so that the
 * three show the same figures the same way.
 */

/** What a missing figure (no gold answers, no greedy baseline) prints as. */
export const MISSING = "—";

/**
 * A share in 0..1 as a percentage with one decimal; null prints as {@link MISSING}.
 *
 * @example
 * formatPercent(0.6125); // "61.3%"
 * formatPercent(null);   // "—"
 */
export function formatPercent(share: number | null, decimals = 1): string {
  if (share === null || !Number.isFinite(share)) return MISSING;
  return `${(share * 100).toFixed(decimals)}%`;
}

/**
 * An integer with thousands separators (fixed to `en-US` so output does not depend on the locale).
 *
 * @example
 * formatInteger(1234567); // "1,234,567"
 */
export function formatInteger(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/**
 * A number with a fixed count of decimals, or {@link MISSING} when it is not finite.
 *
 * @example
 * formatNumber(3.14159, 2); // "3.14"
 */
export function formatNumber(value: number, decimals: number): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : MISSING;
}

/**
 * A duration in seconds, short and readable: `4.2s`, `3m 07s`, `2h 05m 09s`.
 *
 * @example
 * formatDuration(187.4); // "3m 07s"
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return MISSING;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  const pad = (value: number): string => String(value).padStart(2, "0");
  return hours > 0 ? `${hours}h ${pad(minutes)}m ${pad(rest)}s` : `${minutes}m ${pad(rest)}s`;
}
