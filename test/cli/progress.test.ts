import { describe, expect, it } from "vitest";
import { createProgress, type ProgressStream } from "../../src/cli/progress.js";

function capture(isTTY: boolean, columns?: number): ProgressStream & { chunks: string[] } {
  const chunks: string[] = [];
  return { isTTY, ...(columns === undefined ? {} : { columns }), chunks, write: (chunk: string) => chunks.push(chunk) };
}

const state = (done: number, elapsedMs: number) => ({ done, correct: Math.floor(done / 2), graded: done, chains: done * 20, elapsedMs });

describe("createProgress", () => {
  it("off a terminal: plain lines at most every 5 s and at the finish, no control characters", () => {
    const stream = capture(false);
    const progress = createProgress({ total: 10, stream, label: "gsm8k\u001b[31m\r" });
    for (let done = 1; done <= 10; done++) progress.update(state(done, done * 1_500));
    progress.finish();
    progress.finish();
    const output = stream.chunks.join("");
    // at 6 s, 12 s (every 5 s of run time at most) and the final state at 15 s
    expect(stream.chunks).toHaveLength(3);
    expect(output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(stream.chunks.every((line) => line.endsWith("\n"))).toBe(true);
    expect(stream.chunks[0]).toBe("gsm8k [31m  4/10 problems, accuracy 50.0% (2/4), 13.3 chains/s, ETA 9.0s\n");
    expect(stream.chunks[2]).toContain("10/10 problems");
    expect(stream.chunks[2]).toContain("done in 15.0s");
  });

  it("off a terminal: a run shorter than 5 s logs only its final line", () => {
    const stream = capture(false);
    const progress = createProgress({ total: undefined, stream });
    progress.update(state(1, 1_000));
    progress.update(state(2, 2_000));
    progress.finish();
    expect(stream.chunks).toEqual(["2 problems, accuracy 50.0% (1/2), 20.0 chains/s, elapsed 2.0s\n"]);
  });

  it("on a terminal: one line redrawn in place with a bar, accuracy, chains/s and ETA", () => {
    const stream = capture(true, 200);
    const progress = createProgress({ total: 4, stream, label: "run" });
    progress.update(state(1, 2_000));
    progress.update(state(1, 2_050)); // too soon to redraw
    progress.update(state(2, 4_000));
    progress.finish();
    expect(stream.chunks).toHaveLength(3);
    expect(stream.chunks.every((chunk) => chunk.startsWith("\r\u001b[2K"))).toBe(true);
    expect(stream.chunks[0]).toBe("\r\u001b[2Krun [######------------------] 1/4 problems  accuracy 0.0% (0/1)  10.0 chains/s  ETA 6.0s");
    expect(stream.chunks[1]).not.toContain("\n");
    expect(stream.chunks[2]).toMatch(/\n$/);
  });

  it("on a narrow terminal: the line is cut so that it never wraps", () => {
    const stream = capture(true, 30);
    const progress = createProgress({ total: 4, stream });
    progress.update(state(1, 2_000));
    expect(stream.chunks[0]!.length).toBe("\r\u001b[2K".length + 29);
  });
});
