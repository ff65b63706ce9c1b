// The committed TypeScript of the contract must be what the committed JSON generates:
// a change to the server's models that was not followed by `make types` fails here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { GENERATED_DIR, generate } from "../../scripts/gen-types.mjs";

describe("generated contract types", () => {
  test("openapi.ts and frames.ts match openapi.json and frames.schema.json", async () => {
    const files = await generate(GENERATED_DIR);
    expect(Object.keys(files).sort()).toEqual(["frames.ts", "openapi.ts"]);
    for (const [name, text] of Object.entries(files)) {
      const committed = readFileSync(join(GENERATED_DIR, name), "utf8");
      // One line in the failure, not a diff of thousands.
      if (committed !== text) expect.fail(`src/api/generated/${name} is stale: run make types`);
    }
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
