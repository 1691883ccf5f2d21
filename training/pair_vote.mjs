// Two candidates' recorded development chains voted together, to choose an ensemble partner on the
// development sets without decoding again (issue 17's ensembles; the README's "Several local models").
//
//   node training/pair_vote.mjs DIR_A DIR_B [SETS] [N]
//
// DIR_A and DIR_B hold `training/candidate.sh`'s dev-SET.jsonl outputs (10 chains a problem). Per set it votes
// A's first N chains (default 10), B's first N, and A's first N/2 with B's first N/2 (the same 10 chains'
// budget), with cot-sc's own results reader and vote rules (dist/: run `npm run build` first), and prints how
// many problems each gets right by majority and by the verified vote, then the sums over the sets.
import { readResultsFile } from "../dist/cli/results-file.js";
import { vote } from "../dist/vote/index.js";

const [dirA, dirB, sets = "easy,medium,hard,apples_en,apples_zh,reworded_medium,reworded_hard,handwritten", n = "10"] =
  process.argv.slice(2);
if (!dirA || !dirB) throw new Error("usage: node training/pair_vote.mjs DIR_A DIR_B [SETS] [N]");
const chainsPer = Number(n);
if (!(chainsPer > 0 && chainsPer % 2 === 0)) throw new Error(`N: expected an even number of chains, got ${n}`);

/** id -> result (gold, chains) of one candidate's run on one dev set, read and checked as cot-sc reads results. */
async function load(dir, set) {
  const { results } = await readResultsFile(`${dir}/dev-${set}.jsonl`);
  const rows = new Map();
  for await (const row of results) rows.set(row.id, row);
  return rows;
}

const sums = { a: [0, 0], b: [0, 0], pair: [0, 0], problems: 0 };
for (const set of sets.split(",")) {
  const a = await load(dirA, set);
  const b = await load(dirB, set);
  const counts = { a: [0, 0], b: [0, 0], pair: [0, 0] };
  for (const [id, rowA] of a) {
    const rowB = b.get(id);
    if (!rowB) throw new Error(`${dirB}/dev-${set}.jsonl has no problem ${id}`);
    const picks = {
      a: rowA.chains.slice(0, chainsPer),
      b: rowB.chains.slice(0, chainsPer),
      pair: [...rowA.chains.slice(0, chainsPer / 2), ...rowB.chains.slice(0, chainsPer / 2)],
    };
    for (const [name, chains] of Object.entries(picks)) {
      ["majority", "verified"].forEach((rule, i) => {
        if (vote(chains, rule).answer === rowA.gold) counts[name][i]++;
      });
    }
  }
  console.log(`${set.padEnd(16)} ${String(a.size).padStart(3)} problems   A ${counts.a.join(" / ")}   B ${counts.b.join(" / ")}   A+B ${counts.pair.join(" / ")}`);
  for (const name of ["a", "b", "pair"]) for (const i of [0, 1]) sums[name][i] += counts[name][i];
  sums.problems += a.size;
}
console.log(`sum (${sums.problems} problems), majority / verified right:   A ${sums.a.join(" / ")}   B ${sums.b.join(" / ")}   A+B ${sums.pair.join(" / ")}`);
