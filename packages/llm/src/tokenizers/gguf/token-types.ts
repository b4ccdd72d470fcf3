/** llama.cpp's token types (`tokenizer.ggml.token_type`, enum llama_token_type). */
export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** Types llama.cpp splits out of the text before the model sees it (its special-token cache). */
export const isSpecialType = (t: number): boolean => t === TOKEN_TYPE.CONTROL || t === TOKEN_TYPE.USER_DEFINED || t === TOKEN_TYPE.UNKNOWN;

/**
 * Splits text at every occurrence of the given special tokens, longest token first (as llama.cpp's
 * tokenizer_st_partition): the result alternates text runs and token ids.
 */
export function partitionSpecials(text: string, specials: readonly { text: string; id: number }[]): (string | number)[] {
  let parts: (string | number)[] = [text];
  for (const s of specials) {
    if (s.text.length === 0) continue;
    const next: (string | number)[] = [];
    for (const p of parts) {
      if (typeof p === "number") {
        next.push(p);
        continue;
      }
      let from = 0;
      for (let i = p.indexOf(s.text); i >= 0; i = p.indexOf(s.text, from)) {
        if (i > from) next.push(p.slice(from, i));
        next.push(s.id);
        from = i + s.text.length;
      }
      if (from < p.length) next.push(p.slice(from));
    }
    parts = next;
  }
  return parts;
}
