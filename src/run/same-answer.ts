/** Whether a chain's normalised answer equals the gold answer: numerically when both are numbers. */
export function sameAnswer(answer: string | null, gold: string | null): boolean | null {
  if (gold === null) return null;
  if (answer === null) return false;
  const a = Number(answer);
  const g = Number(gold);
  if (Number.isFinite(a) && Number.isFinite(g)) return Math.abs(a - g) <= 1e-9 * Math.max(1, Math.abs(g));
  return answer === gold;
}
