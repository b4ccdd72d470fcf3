/**
 * The web chat page: a fixed list of files from apps/llama-infer/web/ (no directory listing, no
 * path from the URL ever reaches the file system).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** apps/llama-infer/web/ */
export const WEB_DIR = fileURLToPath(new URL("../../web/", import.meta.url));

const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/sse.js": { file: "sse.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
  "/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
  // Browsers ask for /favicon.ico whatever the page links; an SVG under that name works in all current ones.
  "/favicon.ico": { file: "favicon.svg", type: "image/svg+xml" },
};

/** Whether `path` is one of the page's files (served without the API key: the page asks for it). */
export function isStaticPath(path: string): boolean {
  return Object.hasOwn(FILES, path);
}

/**
 * Why the page cannot be served, or null when it can. The built `dist/cli/llama-infer.mjs` finds
 * `web/` at `../../web/` from itself, so a copy of the file alone (or put one folder too deep)
 * serves the API without the page: that is said once at start and on each page request, instead
 * of a 500 and a stack trace per file.
 */
export function chatPageMissing(webDir: string): string | null {
  const index = join(webDir, "index.html");
  if (existsSync(index)) return null;
  return `no chat page: ${index} is missing (a built llama-infer.mjs looks for web/ at ../../web/ from itself: X/dist/cli/llama-infer.mjs beside X/web/); the API works`;
}

/** The file served at `path`, or null if `path` is not one of the page's files. */
export async function readStaticFile(webDir: string, path: string): Promise<{ body: Buffer; type: string } | null> {
  const entry = FILES[path];
  if (entry === undefined) return null;
  return { body: await readFile(join(webDir, entry.file)), type: entry.type };
}
