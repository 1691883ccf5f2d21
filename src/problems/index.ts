export { normaliseGold, goldFromSolution } from "./gold.js";
export type { Problem } from "./problem.js";
export { readProblems, type ReadProblemsOptions } from "./read-problems.js";
