#!/usr/bin/env node
/**
 * `pnpm --filter playground start -- --port PORT [--host HOST] [--no-isolation]`: builds the site
 * if it is missing or older than its sources, then serves dist/ on 127.0.0.1 with the
 * cross-origin isolation headers (COOP/COEP), which a page needs to share WASM memory with workers.
 */
import { createServer } from "node:http";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const app = fileURLToPath(new URL("..", import.meta.url));
const dist = join(app, "dist");

const args = process.argv.slice(2).filter((a) => a !== "--");
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = args[i + 1];
  if (v === undefined || v.startsWith("--")) fail(`${name}: expected a value`);
  return v;
};
const unknown = args.filter((a, i) => a.startsWith("--") && !["--port", "--host", "--no-isolation", "--build"].includes(a) && !["--port", "--host"].includes(args[i - 1]));
if (unknown.length > 0) fail(`unknown option ${unknown[0]} (options: --port PORT, --host HOST, --no-isolation, --build)`);
const port = Number(opt("--port", "5173"));
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port: expected an integer in [0, 65535], got "${opt("--port", "")}"`);
const host = opt("--host", "127.0.0.1");
const isolation = !args.includes("--no-isolation");

function fail(message) {
  console.error(`playground: ${message}`);
  process.exit(1);
}

/** Newest modification time under `dir` (sources of the app and the packages it bundles). */
function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name === "test") continue;
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

const built = join(dist, "index.html");
const sources = [join(app, "src"), join(app, "index.html"), join(app, "vite.config.ts"), ...["tensor", "autograd", "nn", "llm"].map((p) => join(app, "..", "..", "packages", p, "src"))];
const stale = () => !existsSync(built) || sources.some((s) => (statSync(s).isDirectory() ? newest(s) : statSync(s).mtimeMs) > statSync(built).mtimeMs);

/**
 * Runs `build` holding a lock (a directory, created atomically, with the holder's pid), so that
 * starts racing on a clean clone (two test files, two terminals) do not run vite at once (each
 * build first empties dist/, so a second one would delete files the first just wrote or serves),
 * nor serve a dist/ still being written. A lock whose holder died is taken over.
 */
function whileLocked(build) {
  const lock = join(app, "node_modules", ".playground-build.lock");
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let said = false; ; ) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
    }
    if (holderDied(lock)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (!said) console.log("playground: waiting for another start's build…");
    said = true;
    Atomics.wait(pause, 0, 0, 200);
  }
  try {
    build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function holderDied(lock) {
  let pid;
  try {
    pid = Number(readFileSync(join(lock, "pid"), "utf8"));
  } catch {
    // No pid yet: the holder is between mkdir and writing it, unless that was long ago.
    try {
      return Date.now() - statSync(lock).mtimeMs > 60_000;
    } catch {
      return false; // released meanwhile
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return e.code === "ESRCH";
  }
}

// Staleness is judged under the lock: while another start's build runs, dist/index.html may already be
// new while the rest of dist/ is still being written.
whileLocked(() => {
  if (!args.includes("--build") && !stale()) return; // built (perhaps by the start we waited for)
  console.log("playground: building (vite build)…");
  execFileSync(process.execPath, [join(app, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], { cwd: app, stdio: "inherit" });
});

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".safetensors": "application/octet-stream",
};

const server = createServer((req, res) => {
  const headers = isolation ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp", "Cross-Origin-Resource-Policy": "same-origin" } : {};
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { ...headers, "Content-Type": "text/plain", Allow: "GET, HEAD" }).end(`method ${req.method} not allowed (this is a static site: GET or HEAD)\n`);
    return;
  }
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  } catch {
    res.writeHead(400, { ...headers, "Content-Type": "text/plain" }).end("bad request: the path is not valid percent-encoding\n");
    return;
  }
  const file = normalize(join(dist, path.endsWith("/") ? `${path}index.html` : path));
  if (!file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { ...headers, "Content-Type": "text/plain" }).end(`not found: ${path}\n`);
    return;
  }
  const body = readFileSync(file);
  res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Content-Length": body.length, "Cache-Control": "no-cache" });
  res.end(req.method === "HEAD" ? undefined : body);
});
server.on("error", (e) => fail(`cannot listen on ${host}:${port} (${e.message})`));
server.listen(port, host, () => {
  const a = server.address();
  // The first line names the URL (tests and scripts read it).
  console.log(`playground: http://${host}:${a.port}/  (cross-origin isolation ${isolation ? "on" : "off"}; Ctrl-C stops)`);
});
for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => server.close(() => process.exit(0)));
