// Types of gen-types.mjs, for the staleness test (src/api/generated.test.ts).
export const GENERATED_DIR: string;
export function openapiToTs(document: unknown): Promise<string>;
export function framesToTs(document: { $defs?: Record<string, unknown> }): Promise<string>;
/** File name ("openapi.ts", "frames.ts") -> the text `make types` would write. */
export function generate(dir?: string): Promise<Record<string, string>>;
export function main(dir?: string): Promise<void>;
