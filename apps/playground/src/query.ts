/**
 * Every setting of a page lives in the URL query, so a link reproduces a run: fields read their
 * value from the query (or the default), and write it back on every change (history.replaceState).
 */
export const query = new URLSearchParams(location.search);

export function param(name: string, fallback: string): string {
  return query.get(name) ?? fallback;
}

/** Writes `name` into the query (removing it when it equals the default) without reloading. */
export function setParam(name: string, value: string, fallback: string): void {
  if (value === fallback) query.delete(name);
  else query.set(name, value);
  const search = query.toString();
  history.replaceState(null, "", search === "" ? location.pathname : `?${search}`);
}

/** A number from the query, refused with one line naming the parameter when it is not one. */
export function numberParam(name: string, fallback: number, check: (n: number) => boolean, expected: string): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || !check(n)) throw new Error(`URL parameter ${name}: expected ${expected}, got "${raw}"`);
  return n;
}

export interface FieldSpec {
  /** Query parameter name (and element id). */
  name: string;
  label: string;
  fallback: string;
  kind?: "text" | "number" | "textarea" | "select";
  options?: readonly string[];
  step?: string;
}

/** A labelled input bound to the query parameter of the same name. */
export function field(spec: FieldSpec): { wrap: HTMLElement; input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement } {
  const wrap = document.createElement("label");
  wrap.className = `field field-${spec.kind ?? "text"}`;
  wrap.append(document.createTextNode(spec.label));
  let input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
  if (spec.kind === "textarea") input = document.createElement("textarea");
  else if (spec.kind === "select") {
    const select = document.createElement("select");
    for (const o of spec.options ?? []) select.append(new Option(o, o));
    input = select;
  } else {
    const el = document.createElement("input");
    el.type = spec.kind === "number" ? "number" : "text";
    if (spec.step !== undefined) el.step = spec.step;
    input = el;
  }
  input.id = spec.name;
  input.name = spec.name;
  input.value = param(spec.name, spec.fallback);
  input.addEventListener("change", () => setParam(spec.name, input.value, spec.fallback));
  wrap.append(input);
  return { wrap, input };
}

/**
 * What a field says: its value, or the link's text when the field could not take it (a number
 * input given `threads=abc`, a select given an option it lacks, both hold ""), so a bad link is
 * refused quoting what it said instead of running with a default. Every edit writes the field back
 * to the query, so the query never holds a value the user has since replaced.
 */
export function rawValue(input: { value: string; id: string }): string {
  return input.value !== "" ? input.value : (query.get(input.id) ?? "");
}

/** A number read from a field, refused with one line naming the field when it is not one. */
export function numberOf(input: { value: string; id: string }, check: (n: number) => boolean, expected: string): number {
  const raw = rawValue(input);
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || !check(n)) throw new Error(`${input.id}: expected ${expected}, got "${raw}"`);
  return n;
}

/** A select's option, refused with one line naming the field when the link asked for one it does not have. */
export function choiceOf<T extends string>(input: { value: string; id: string }, options: readonly T[]): T {
  const raw = rawValue(input);
  const found = options.find((o) => o === raw);
  if (found === undefined) throw new Error(`${input.id}: expected ${options.map((o) => `"${o}"`).join(" or ")}, got "${raw}"`);
  return found;
}
