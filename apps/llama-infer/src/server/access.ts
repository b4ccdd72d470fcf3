/**
 * Who may talk to the server: the API key, the Host header (DNS rebinding) and the Origin header
 * (cross-site requests). Checked on every request before any route runs.
 *
 *   --api-key KEY       every route but `/health` and the page's files needs `Authorization: Bearer KEY`
 *                       (compared in constant time); without a key the server only binds loopback;
 *   loopback bind       the Host header must name a loopback host: a page on evil.example whose
 *                       name was re-pointed at 127.0.0.1 (DNS rebinding) sends `Host: evil.example`;
 *   Origin              a browser request from another origin is refused unless it is --cors-origin
 *                       (no `Access-Control-Allow-Origin` at all by default), so a page elsewhere
 *                       cannot even spend the server's time with a form-style POST.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { ApiError } from "./api-error.js";

export interface AccessOptions {
  apiKey?: string | undefined;
  /** The one other origin allowed to call the API from a browser, e.g. "https://app.example". */
  corsOrigin?: string | undefined;
  /** The address the server binds; a loopback one turns the Host check on. */
  bindHost: string;
}

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (h === "::1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

/** The host part of a Host header ("[::1]:8080" → "[::1]", "localhost:80" → "localhost"). */
function hostName(header: string): string {
  if (header.startsWith("[")) return header.slice(0, header.indexOf("]") + 1);
  const colon = header.lastIndexOf(":");
  return colon < 0 ? header : header.slice(0, colon);
}

/** Refuses to start: a non-loopback bind with no key would be an open server. */
export function checkBind(opts: AccessOptions): void {
  if (!isLoopbackHost(opts.bindHost) && (opts.apiKey === undefined || opts.apiKey === "")) {
    throw new Error(
      `refusing to listen on '${opts.bindHost}' without an API key: pass --api-key KEY (or set LLAMA_INFER_API_KEY), or bind 127.0.0.1`,
    );
  }
  if (opts.corsOrigin !== undefined && !/^https?:\/\/[^/\s]+$/.test(opts.corsOrigin)) {
    throw new Error(`invalid --cors-origin: expected an origin like https://app.example (scheme://host[:port], no path), got ${JSON.stringify(opts.corsOrigin)}`);
  }
}

export class AccessPolicy {
  private readonly keyDigest: Buffer | null;
  private readonly loopbackOnly: boolean;

  constructor(private readonly opts: AccessOptions) {
    checkBind(opts);
    this.keyDigest = opts.apiKey ? sha256(opts.apiKey) : null;
    this.loopbackOnly = isLoopbackHost(opts.bindHost);
  }

  get requiresKey(): boolean {
    return this.keyDigest !== null;
  }

  /**
   * Checks Host and Origin; returns the CORS headers the response carries (none unless the
   * request comes from --cors-origin). Throws a 403 ApiError otherwise.
   */
  checkSource(req: IncomingMessage): Record<string, string> {
    const host = req.headers.host ?? "";
    if (this.loopbackOnly && !isLoopbackHost(hostName(host))) {
      throw new ApiError(403, `this server listens on loopback only and does not answer for Host '${host}' (expected localhost or 127.0.0.1)`, "invalid_request_error", null, "host_not_allowed");
    }
    const origin = req.headers.origin;
    if (origin === undefined) return {};
    if (this.opts.corsOrigin !== undefined && origin === this.opts.corsOrigin) {
      return { "Access-Control-Allow-Origin": origin, Vary: "Origin" };
    }
    // The page served here calls its own origin: same host (and port) as the Host header.
    if (sameOrigin(origin, host)) return {};
    throw new ApiError(
      403,
      `requests from origin '${origin}' are not allowed${this.opts.corsOrigin === undefined ? " (start the server with --cors-origin to allow one)" : ` (only ${this.opts.corsOrigin})`}`,
      "invalid_request_error",
      null,
      "origin_not_allowed",
    );
  }

  /** Checks `Authorization: Bearer KEY` in constant time; throws a 401 ApiError. */
  checkKey(req: IncomingMessage): void {
    if (this.keyDigest === null) return;
    const auth = req.headers.authorization ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    // Digests of equal length, compared in constant time: neither the key's length nor a
    // matching prefix shows in the timing.
    if (m === null || !timingSafeEqual(sha256(m[1]!), this.keyDigest)) {
      const why = auth === "" ? "no API key: send the header 'Authorization: Bearer <key>'" : "invalid API key";
      throw new ApiError(401, why, "invalid_request_error", null, "invalid_api_key", { "WWW-Authenticate": 'Bearer realm="llama-infer"' });
    }
  }
}

function sha256(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
