/** A small multiples SVG: accuracy against chains per problem, one line per vote rule, single chain dashed. */
export interface Panel {
  title: string;
  single: number;
  curves: Record<string, Array<{ k: number; accuracy: number }>>;
}

const COLORS: Record<string, string> = { majority: "#1f77b4", verified: "#2ca02c", logprob: "#d62728" };

export function renderPlot(panels: readonly Panel[]): string {
  const width = 300;
  const height = 230;
  const columns = Math.min(3, panels.length);
  const rows = Math.ceil(panels.length / columns);
  const parts: string[] = [];
  panels.forEach((panel, p) => {
    const ox = (p % columns) * width;
    const oy = Math.floor(p / columns) * height;
    const ks = Object.values(panel.curves).flat().map((d) => d.k);
    const maxK = Math.max(...ks, 2);
    const x = (k: number): number => ox + 45 + ((Math.log(k) / Math.log(maxK)) * (width - 70));
    const y = (a: number): number => oy + 30 + (1 - a) * (height - 70);
    parts.push(`<text x="${ox + width / 2}" y="${oy + 18}" text-anchor="middle" font-size="13" font-weight="bold">${panel.title}</text>`);
    parts.push(`<line x1="${x(1)}" y1="${y(0)}" x2="${x(maxK)}" y2="${y(0)}" stroke="#999"/><line x1="${x(1)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999"/>`);
    for (const a of [0, 0.25, 0.5, 0.75, 1]) parts.push(`<text x="${x(1) - 4}" y="${y(a) + 4}" text-anchor="end" font-size="10">${a * 100}%</text>`);
    for (const k of [...new Set(ks)].sort((a, b) => a - b)) parts.push(`<text x="${x(k)}" y="${y(0) + 13}" text-anchor="middle" font-size="10">${k}</text>`);
    parts.push(`<text x="${ox + width / 2}" y="${y(0) + 27}" text-anchor="middle" font-size="10">chains per problem</text>`);
    parts.push(`<line x1="${x(1)}" y1="${y(panel.single)}" x2="${x(maxK)}" y2="${y(panel.single)}" stroke="#666" stroke-dasharray="4 3"/>`);
    for (const [rule, points] of Object.entries(panel.curves)) {
      const path = points.map((d) => `${x(d.k).toFixed(1)},${y(d.accuracy).toFixed(1)}`).join(" ");
      parts.push(`<polyline fill="none" stroke="${COLORS[rule] ?? "#000"}" stroke-width="2" points="${path}"/>`);
    }
  });
  const legend = Object.entries(COLORS)
    .map(([rule, color], i) => `<rect x="${10 + i * 110}" y="${rows * height + 6}" width="12" height="3" fill="${color}"/><text x="${26 + i * 110}" y="${rows * height + 11}" font-size="11">${rule} vote</text>`)
    .join("");
  const baseline = `<line x1="${340}" y1="${rows * height + 8}" x2="${360}" y2="${rows * height + 8}" stroke="#666" stroke-dasharray="4 3"/><text x="366" y="${rows * height + 11}" font-size="11">single chain</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${columns * width}" height="${rows * height + 20}" font-family="sans-serif">${parts.join("")}${legend}${baseline}</svg>\n`;
}
