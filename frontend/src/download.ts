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
