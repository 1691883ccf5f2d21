import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReport } from "../../src/cli/report.js";
import { sampleResults, sampleSummary } from "./sample-results.js";

// Debian's package (`apt-get install -y --no-install-recommends chromium`); CI installs it.
const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available) console.warn(`skipping the headless-browser report test: ${CHROMIUM} not found (apt-get install -y --no-install-recommends chromium)`);

interface Outcome {
  stdout: string;
  stderr: string;
}

function chromium(directory: string, extra: readonly string[], page: string): Promise<Outcome> {
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    `--user-data-dir=${join(directory, "profile")}`,
    "--enable-logging=stderr",
    "--v=0",
    ...extra,
    page,
  ];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, args, { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** The page's console messages as Chromium logs them (`... CONSOLE(12)] "message", source: ...`). */
const consoleLines = (stderr: string): string[] => stderr.split("\n").filter((line) => /\bCONSOLE\b|Uncaught|Refused to|Content Security Policy/.test(line));

describe.skipIf(!available)("the HTML report in headless Chromium", () => {
  let directory = "";
  let page = "";

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "cot-sc-report-"));
    const file = join(directory, "report.html");
    await writeFile(file, renderReport(sampleResults(), sampleSummary(), { title: "browser test", command: "cot-sc run x", generatedAt: "2025-01-01T00:00:00Z" }));
    page = pathToFileURL(file).href;
  });

  afterAll(async () => {
    if (directory !== "") await rm(directory, { recursive: true, force: true });
  });

  it("loads without console errors and shows the plot and the problems", async () => {
    const { stdout, stderr } = await chromium(directory, ["--dump-dom"], page);
    expect(consoleLines(stderr)).toEqual([]);
    expect(stdout).toMatch(/<body data-show="all" data-script="ready">/);
    expect(stdout).toMatch(/<svg id="accuracy-plot"/);
    expect(stdout).toMatch(/<polyline class="curve" data-rule="majority"/);
    expect((stdout.match(/<section class="problem"/g) ?? []).length).toBe(3);
    // the hostile chain text is text in the DOM, not elements: nothing injected ran
    expect(stdout).not.toMatch(/<img/i);
    expect(stdout).toContain("&lt;script&gt;window.pwned = 1;");
  });

  it("sees a page's console errors (so that the check above is not vacuous)", async () => {
    const broken = join(directory, "broken.html");
    await writeFile(broken, `<!DOCTYPE html><html><body><script>console.error("broken page"); null.x</script></body></html>`);
    const { stderr } = await chromium(directory, ["--dump-dom"], pathToFileURL(broken).href);
    const lines = consoleLines(stderr);
    expect(lines.some((line) => line.includes("broken page"))).toBe(true);
    expect(lines.some((line) => line.includes("Uncaught TypeError"))).toBe(true);
  });

  it("renders a screenshot", async () => {
    const shot = join(directory, "shot.png");
    const { stderr } = await chromium(directory, [`--screenshot=${shot}`, "--window-size=1200,900", "--hide-scrollbars"], page);
    expect(consoleLines(stderr)).toEqual([]);
    const png = await readFile(shot);
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect((await stat(shot)).size).toBeGreaterThan(10_000);
  });
});
