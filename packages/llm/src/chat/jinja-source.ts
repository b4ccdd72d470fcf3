/**
 * Source fixes for @huggingface/jinja, so it reads templates as Python's jinja2 does.
 *
 * A backslash at the end of a line inside a string literal: jinja2 decodes string literals with
 * Python's escape rules, where backslash-newline is a line continuation (both dropped); Mistral
 * Small 3.x's official template writes its system prompt that way. @huggingface/jinja refuses the
 * whole template ("Unexpected escaped character"). Outside string literals, a backslash-newline is
 * text (kept) or, inside a tag, a jinja2 syntax error anyway.
 */

/** `source` with every backslash-newline inside a string literal of a `{{ }}` / `{% %}` tag removed. */
export function joinContinuedStringLines(source: string): string {
  if (!source.includes("\\\n")) return source;
  let out = "";
  let i = 0;
  let inTag = false;
  let quote: string | null = null;
  while (i < source.length) {
    const c = source[i]!;
    const two = source.slice(i, i + 2);
    if (!inTag) {
      if (two === "{#") {
        const end = source.indexOf("#}", i + 2);
        const stop = end < 0 ? source.length : end + 2;
        out += source.slice(i, stop);
        i = stop;
        continue;
      }
      if (two === "{{" || two === "{%") inTag = true;
      out += inTag ? two : c;
      i += inTag ? 2 : 1;
      continue;
    }
    if (quote !== null) {
      if (c === "\\") {
        const next = source[i + 1];
        if (next !== "\n") out += c + (next ?? ""); // an escape pair stays as written
        i += 2; // a backslash-newline is dropped
        continue;
      }
      if (c === quote) quote = null;
      out += c;
      i += 1;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (two === "}}" || two === "%}") {
      inTag = false;
      out += two;
      i += 2;
      continue;
    }
    out += c;
    i += 1;
  }
  return out;
}
