/** Shared by the playground's browser tests: the served site, Debian's chromium, a stored-zip reader. */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";

export const APP = fileURLToPath(new URL("..", import.meta.url));
export const CHROMIUM = "/usr/bin/chromium";

export interface Site {
  url: string;
  close(): Promise<void>;
}

/** `pnpm start` as a user runs it: builds the site if needed (a clean clone has none), serves it on a free port. */
export async function startSite(extra: string[] = []): Promise<Site> {
  const child: ChildProcess = spawn(process.execPath, ["scripts/start.mjs", "--port", "0", ...extra], { cwd: APP, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      log += String(d);
      const m = /playground: (http:\/\/\S+\/)/.exec(log);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (log += String(d)));
    child.on("exit", (code) => reject(new Error(`scripts/start.mjs exited with ${code}:\n${log}`)));
  });
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(); // gone already ("exit" was emitted)
        child.on("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export async function launchChromium(): Promise<Browser> {
  // Not a skip: CI installs chromium, so a missing one is a broken setup.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the playground tests`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** The entries of a zip of stored files (what the Train page writes), each CRC-checked. */
export function unzipStored(zip: Uint8Array, crc32: (b: Uint8Array) => number): Map<string, Uint8Array> {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22;
  if (dv.getUint32(end, true) !== 0x06054b50) throw new Error("zip: no end-of-central-directory record at the end");
  const count = dv.getUint16(end + 10, true);
  let p = dv.getUint32(end + 16, true);
  const out = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    if (dv.getUint32(p, true) !== 0x02014b50) throw new Error(`zip: central directory entry ${i} has a bad signature`);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    const size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const offset = dv.getUint32(p + 42, true);
    const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLen));
    if (method !== 0) throw new Error(`zip: ${name} is compressed (method ${method}); expected stored`);
    const local = offset + 30 + dv.getUint16(offset + 26, true) + dv.getUint16(offset + 28, true);
    const data = zip.subarray(local, local + size);
    if (crc32(data) !== crc) throw new Error(`zip: ${name} fails its CRC`);
    out.set(name, data);
    p += 46 + nameLen + dv.getUint16(p + 30, true) + dv.getUint16(p + 32, true);
  }
  return out;
}
