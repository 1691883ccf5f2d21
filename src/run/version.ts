import { readFileSync } from "node:fs";

// why read package.json: the version lives in one place; src/run/ and dist/run/ both sit two levels below it
const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/** cot-sc's version, from package.json. */
export const VERSION: string = packageJson.version;
