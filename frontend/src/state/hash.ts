// The whole setup in the URL hash (`#s=<base64url JSON>`), so that a link reproduces it.
import type { OptimizerInfo } from "../api/types";
import { parseSetup, type Setup } from "./setup";

const PREFIX = "s=";

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/** The hash (with its leading '#') for a setup. */
export function encodeSetupHash(setup: Setup): string {
  return `#${PREFIX}${toBase64Url(JSON.stringify({ v: 1, ...setup }))}`;
}

/**
 * The setup a hash carries; null when the hash carries none. Throws an Error
 * saying what is wrong when it carries one that cannot be read.
 */
export function decodeSetupHash(hash: string, fallback: Setup, optimizers: readonly OptimizerInfo[] = []): Setup | null {
  const body = hash.startsWith("#") ? hash.slice(1) : hash;
  if (!body.startsWith(PREFIX)) return null;
  let value: unknown;
  try {
    value = JSON.parse(fromBase64Url(body.slice(PREFIX.length)));
  } catch {
    throw new Error("the link's setup is damaged (it is not base64 JSON)");
  }
  return parseSetup(value, fallback, optimizers);
}
