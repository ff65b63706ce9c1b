// The contract's TypeScript is generated from the committed JSON before every build, check
// and test (npm's pre-scripts); the JSON itself is checked against the server by pytest
// (tests/server/test_schema_export.py), so a model change without `make types` fails there.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { GENERATED_DIR, generate } from "../../scripts/gen-types.mjs";

describe("generated contract types", () => {
  test("the generator is deterministic and what it wrote is current", async () => {
    const files = await generate(GENERATED_DIR);
    expect(await generate(GENERATED_DIR)).toEqual(files);
    expect(Object.keys(files).sort()).toEqual(["frames.ts", "openapi.ts"]);
    for (const [name, text] of Object.entries(files)) {
      const written = readFileSync(join(GENERATED_DIR, name), "utf8");
      // One line in the failure, not a diff of thousands.
      if (written !== text) expect.fail(`src/api/generated/${name} is stale: run npm run gen:types`);
    }
    expect(files["openapi.ts"]).toContain("RunRecord: {");
    expect(files["frames.ts"]).toContain("export interface StatusFrame");
  }, 30_000);

  test("the frames schema holds every stream message, each tagged by its type", () => {
    const schema = JSON.parse(readFileSync(join(GENERATED_DIR, "frames.schema.json"), "utf8")) as {
      $defs: Record<string, { properties?: { type?: { const?: string } } }>;
    };
    const tags = Object.fromEntries(
      ["Subscribe", "Unsubscribe", "Control", "StatusFrame", "MetricsFrame", "ErrorFrame"].map((name) => [
        name,
        schema.$defs[name]?.properties?.type?.const,
      ]),
    );
    expect(tags).toEqual({
      Subscribe: "subscribe",
      Unsubscribe: "unsubscribe",
      Control: "control",
      StatusFrame: "status",
      MetricsFrame: "metrics",
      ErrorFrame: "error",
    });
    expect(Object.keys(schema.$defs)).toEqual(expect.arrayContaining(["ClientMessage", "ServerFrame"]));
  });
});
