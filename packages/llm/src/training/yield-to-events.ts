/**
 * Lets queued events run between training steps (a Ctrl-C handler, progress redraws, a Web
 * Worker's "stop" message). Node has setImmediate; a browser has none and clamps nested
 * setTimeout(0) to 4 ms, so there a MessageChannel round trip does it (a few µs).
 */
export function yieldToEvents(): Promise<void> {
  if (typeof setImmediate === "function") return new Promise<void>((resolve) => setImmediate(resolve));
  return new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    // The browser's MessagePort (Node's is typed as an event emitter; this path is never taken there).
    const port = channel.port1 as unknown as { onmessage: (() => void) | null; close(): void };
    port.onmessage = () => {
      port.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
