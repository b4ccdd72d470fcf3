// Vite's `new Worker(new URL("./x.ts", import.meta.url), { type: "module" })` needs import.meta.url typed.
interface ImportMeta {
  readonly url: string;
}
