import { formatDuration, formatInteger, formatPercent } from "./format.js";

/** Where progress goes: `process.stderr` in the CLI; anything with `write` (and `isTTY`) in tests. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  /** Terminal width; the redrawn line is cut to fit so that it never wraps. */
  columns?: number;
}

/** How far a run has got. `elapsedMs` is the run's own clock, so throttling is reproducible in tests. */
export interface ProgressState {
  /** Problems finished. */
  done: number;
  /** Problems answered right, among `graded`. */
  correct: number;
  /** Finished problems that have a gold answer. */
  graded: number;
  /** Chains sampled so far. */
  chains: number;
  elapsedMs: number;
}

export interface ProgressOptions {
  /** Problems in the run; undefined when unknown (a stream of problems): no bar, no ETA. */
  total: number | undefined;
  stream: ProgressStream;
  label?: string;
}

export interface Progress {
  update(state: ProgressState): void;
  /** Draws the last state once more and ends the line (terminal) or logs it (not a terminal). */
  finish(): void;
}

/** A terminal redraws at most this often; more is flicker and wasted writes. */
const TERMINAL_INTERVAL_MS = 100;
/** Plain log lines come at most this often. */
const LOG_INTERVAL_MS = 5_000;
const BAR_WIDTH = 24;
// "\r" then "erase the whole line": redraw in place
const REDRAW = "\r\u001b[2K";

/** Removes control characters, so that a label cannot move the cursor or ring a bell. */
function plain(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
}

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH)) : 0;
  return `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
}

/** The figures both modes show: problems done, accuracy so far, chains/s, ETA. */
function describe(state: ProgressState, total: number | undefined): string[] {
  const seconds = state.elapsedMs / 1000;
  const parts = [total === undefined ? `${formatInteger(state.done)} problems` : `${formatInteger(state.done)}/${formatInteger(total)} problems`];
  parts.push(state.graded > 0 ? `accuracy ${formatPercent(state.correct / state.graded)} (${state.correct}/${state.graded})` : "accuracy —");
  parts.push(seconds > 0 ? `${(state.chains / seconds).toFixed(1)} chains/s` : "— chains/s");
  if (total !== undefined) {
    const remaining = Math.max(0, total - state.done);
    const eta = state.done > 0 ? formatDuration((seconds / state.done) * remaining) : "—";
    parts.push(remaining === 0 ? `done in ${formatDuration(seconds)}` : `ETA ${eta}`);
  } else {
    parts.push(`elapsed ${formatDuration(seconds)}`);
  }
  return parts;
}

/**
 * A progress display for `cot-sc run`. On a terminal (`stream.isTTY`) it is one line redrawn in place:
 * a bar (when the total is known), problems done, accuracy so far, chains/s and ETA. Otherwise (a pipe,
 * a CI log) it writes a plain line at most every 5 s of run time and one at the finish, with no control
 * characters, so logs stay readable.
 *
 * @example
 * const progress = createProgress({ total: problems.length, stream: process.stderr, label: "gsm8k" });
 * progress.update({ done: 3, correct: 2, graded: 3, chains: 60, elapsedMs: 12_000 });
 * progress.finish();
 */
export function createProgress(options: ProgressOptions): Progress {
  const { total, stream } = options;
  const label = options.label === undefined ? "" : `${plain(options.label)} `;
  const terminal = stream.isTTY === true;
  let last: ProgressState | undefined;
  let drawnAt = -Infinity;
  let logged: ProgressState | undefined;
  let finished = false;

  const terminalLine = (state: ProgressState): string => {
    const parts = describe(state, total);
    const line = `${label}${total === undefined ? "" : `${bar(state.done, total)} `}${parts.join("  ")}`;
    // never wrap: a wrapped line cannot be redrawn with "\r"
    const width = stream.columns !== undefined && stream.columns > 1 ? stream.columns - 1 : undefined;
    return width === undefined ? line : line.slice(0, width);
  };
  const logLine = (state: ProgressState): string => `${label}${describe(state, total).join(", ")}\n`;

  return {
    update(state) {
      if (finished) return;
      last = state;
      if (terminal) {
        if (state.elapsedMs - drawnAt < TERMINAL_INTERVAL_MS) return;
        drawnAt = state.elapsedMs;
        stream.write(REDRAW + terminalLine(state));
        return;
      }
      if (state.elapsedMs - (logged?.elapsedMs ?? 0) < LOG_INTERVAL_MS) return;
      logged = state;
      stream.write(logLine(state));
    },
    finish() {
      if (finished) return;
      finished = true;
      if (last === undefined) return;
      if (terminal) stream.write(`${REDRAW}${terminalLine(last)}\n`);
      else if (logged !== last) stream.write(logLine(last));
    },
  };
}
