/** How much a problem's chains agree on the answer: the measures of a split vote. */
export interface Agreement {
  /** The most common answer's share of all chains (a chain without an answer counts against it). */
  share: number;
  /** Distinct answers given (chains without an answer not counted). */
  distinct: number;
  /** Entropy of the answers in bits, "no answer" counted as one more answer: 0 when all agree. */
  entropy: number;
  /** Chains that gave no answer. */
  unanswered: number;
}

/**
 * The agreement of a problem's chains. Where chains disagree the problem is worth a person's look (the
 * seed's "disagreement exposes a reasoning problem"); `cot-sc run` lists such problems in its summary.
 *
 * @example
 * agreement(["18", "18", "20", null]); // { share: 0.5, distinct: 2, entropy: 1.5, unanswered: 1 }
 */
export function agreement(answers: readonly (string | null)[]): Agreement {
  const counts = new Map<string | null, number>();
  for (const answer of answers) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  const total = answers.length;
  let top = 0;
  let entropy = 0;
  for (const [answer, count] of counts) {
    if (answer !== null) top = Math.max(top, count);
    const p = count / total;
    entropy -= p * Math.log2(p);
  }
  const unanswered = counts.get(null) ?? 0;
  return { share: total === 0 ? 0 : top / total, distinct: counts.size - (unanswered > 0 ? 1 : 0), entropy: Math.abs(entropy), unanswered };
}
