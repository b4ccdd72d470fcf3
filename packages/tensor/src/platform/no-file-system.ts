/**
 * What the browser adapters (fs.browser.ts here and in @mini/nn, @mini/llm) put in place of
 * Node's file functions and paths. Exported from the package so the other two share one home.
 */

/** A stand-in for a Node file function: throws one line naming it and the byte-based way. */
export function noFileSystem(fn: string): (...args: unknown[]) => never {
  return () => {
    throw new Error(
      `${fn}: there is no file system in a browser; load from bytes instead ` +
        `(parseSafetensors(bytes), tokenizerFromJson(json), loadModelFromFiles(files), parseTextDataset(text))`,
    );
  };
}

/** POSIX path joining (the names only appear in messages in a browser). */
export function posixJoin(...parts: string[]): string {
  const joined = parts.filter((p) => p.length > 0).join("/");
  const abs = joined.startsWith("/");
  const out: string[] = [];
  for (const seg of joined.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else out.push(seg);
  }
  return (abs ? "/" : "") + (out.join("/") || (abs ? "" : "."));
}

export function posixDirname(path: string): string {
  const i = path.replace(/\/+$/, "").lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

export function posixBasename(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}
