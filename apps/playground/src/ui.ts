/** Small DOM helpers shared by the pages. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

export function button(label: string, id: string, onClick: () => void): HTMLButtonElement {
  const b = el("button", { id, type: "button" }, label);
  b.addEventListener("click", onClick);
  return b;
}

export const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return "–";
  if (s < 60) return `${s.toFixed(0)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Shows an error in the page's error line (one line, the library's message). */
export function showError(target: HTMLElement, message: string): void {
  target.textContent = message;
  target.hidden = false;
}
