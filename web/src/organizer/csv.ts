// CSV for spreadsheets (RFC 4180): every field quoted, quotes doubled, and a field that a
// spreadsheet would run as a formula (leading =, +, -, @, tab or CR) prefixed with an apostrophe
// (OWASP "CSV injection"), so a buyer-controlled text is data, never a command.
export function csvField(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function toCsv(rows: (string | number | null | undefined)[][]): string {
  return rows.map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n";
}

// Hands the text to the browser as a download (a blob: URL, allowed by the page's CSP).
export function download(filename: string, text: string) {
  const url = URL.createObjectURL(new Blob(["\uFEFF", text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  // Not the app's link router (router.ts followLink): a blob: URL has the page's origin, and the
  // router would take the click for an in-app navigation.
  link.addEventListener("click", (e) => e.stopPropagation());
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
