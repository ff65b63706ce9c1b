// A CSV's column names from its first line, read in the browser before the upload, so that
// the form can offer them as the label column. Pure, for tests; quoted names are unquoted.

/** The names in a CSV's header line (commas inside double quotes kept). */
export function csvColumns(text: string): string[] {
  const line = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const names: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      names.push(current.trim());
      current = "";
    } else current += c;
  }
  names.push(current.trim());
  return names.filter((name) => name.length > 0);
}

/** Whether a file is a CSV (by name), not a zip. */
export function isCsv(name: string): boolean {
  return !name.toLowerCase().endsWith(".zip");
}
