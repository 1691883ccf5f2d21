/**
 * Fills `{name}` placeholders in one pass, so text that itself contains "{chain}" is never filled twice.
 * Unknown placeholders are left as they are.
 *
 * @example
 * fillTemplate("Q: {question}\nA: ", { question: "What is {chain}?" }); // "Q: What is {chain}?\nA: "
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => values[name] ?? placeholder);
}
