// Which run the page watches, kept across reloads so that a reload finds its run again
// instead of leaving it to train unseen while play starts another. The run's id goes in
// the URL (`?run=<id>`, beside the setup's `#s=` hash: a reload or a copied link names
// the run); the key of the setup it was made from goes in this tab's sessionStorage, so
// that a reload keeps the page's own edits and can still tell whether they changed the run.

export const RUN_PARAM = "run";
const SESSION_ITEM = "layerlab.run";

/** What a run id may look like (the server's are short hex; anything else is not looked up). */
const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The run a URL names; null when it names none. */
export function runIdOf(href: string): string | null {
  const id = new URL(href).searchParams.get(RUN_PARAM);
  return id !== null && RUN_ID.test(id) ? id : null;
}

/** The same URL (path, other params, hash) naming this run, or none. */
export function withRunId(href: string, id: string | null): string {
  const url = new URL(href);
  if (id === null) url.searchParams.delete(RUN_PARAM);
  else url.searchParams.set(RUN_PARAM, id);
  return url.toString();
}

export type KeyStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** Keep (or, with null, forget) the key of the setup the tab's run was made from. */
export function rememberKey(storage: KeyStorage | null, id: string | null, key: string | null): void {
  try {
    if (id === null || key === null) storage?.removeItem(SESSION_ITEM);
    else storage?.setItem(SESSION_ITEM, JSON.stringify({ id, key }));
  } catch {
    // Storage full or off: a reload then shows the run's own setup.
  }
}

/** The key remembered for this run; null when the tab remembers another run or none. */
export function recallKey(storage: KeyStorage | null, id: string): string | null {
  try {
    const value: unknown = JSON.parse(storage?.getItem(SESSION_ITEM) ?? "null");
    if (typeof value !== "object" || value === null) return null;
    const entry = value as { id?: unknown; key?: unknown };
    return entry.id === id && typeof entry.key === "string" ? entry.key : null;
  } catch {
    return null;
  }
}

/** This tab's sessionStorage; null where the browser refuses it. */
export function sessionStorageOrNull(): KeyStorage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
