// Saving something the page made (a setup, a table) as a file the browser downloads.

/** Have the browser save a blob under a file name. */
export function saveFile(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked once the click has been handled, not before the download starts.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The RFC 5987 form, `filename*=charset'lang'percent-encoded`; null when absent or not decodable. */
function extendedName(header: string): string | null {
  const match = /filename\*\s*=\s*([^;]*)/i.exec(header);
  const value = match?.[1]?.trim().replace(/^"(.*)"$/, "$1");
  const encoded = value?.split("'")[2];
  if (encoded === undefined) return null;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

/** The plain `filename=` parameter, quoted (with backslash escapes) or a bare token; null when absent. */
function plainName(header: string): string | null {
  const match = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/i.exec(header);
  if (!match) return null;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : (match[2] ?? "").trim();
}

/** The file name a Content-Disposition header suggests, else `fallback`. */
export function attachmentName(header: string | null, fallback: string): string {
  if (!header) return fallback;
  // The extended form wins where both are sent (it can carry any character), as browsers do.
  const name = extendedName(header) ?? plainName(header) ?? "";
  // A server's name is a suggestion: never a path, so only its last part counts.
  const base = name.split(/[/\\]/).pop()?.trim() ?? "";
  return base === "" || base === "." || base === ".." ? fallback : base;
}
