/** Whether the page could share WASM memory with workers (COOP/COEP served): the kernel pool's condition. */
export function crossOriginIsolatedPage(): boolean {
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}
