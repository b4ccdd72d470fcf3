/**
 * llama.cpp's `clean_spaces` (llama_vocab::impl::detokenize), which its detokenizer applies to the
 * whole decoded text for the pre-types that keep the flag on (llama-bpe, gpt-2, falcon, default, …;
 * pre-patterns.ts). Like transformers' clean_up_tokenization but not the same: no " n't" rule, and
 * " 't", " 'd", " 'll" keep their space. Three passes, each over the previous pass's output:
 *   1. the space before ? ! . , goes;
 *   2. " ' " becomes "'";
 *   3. the space before 's 'm 're 've goes.
 * Every character compared is ASCII, so UTF-16 units stand in for llama.cpp's UTF-8 bytes.
 */
export function llamaCppCleanSpaces(text: string): string {
  let out = pass(text, (s, i) => s[i - 1] === " " && "?!.,".includes(s[i]!));
  // Pass 2 drops the spaces on both sides of a lone apostrophe: the one before now, the one after
  // when the loop reaches it (llama.cpp overwrites it with NUL, so it is no space before what follows).
  const after = new Set<number>();
  out = pass(out, (s, i) => {
    if (after.has(i)) return "skip";
    if (s[i] === "'" && i + 1 < s.length && s[i - 1] === " " && !after.has(i - 1) && s[i + 1] === " ") {
      after.add(i + 1);
      return true;
    }
    return false;
  });
  return pass(out, (s, i) => {
    if (s[i - 1] !== " " || s[i] !== "'" || i + 1 >= s.length) return false;
    const x1 = s[i + 1];
    if (x1 === "s" || x1 === "m") return true;
    return i + 2 < s.length && (s.slice(i + 1, i + 3) === "re" || s.slice(i + 1, i + 3) === "ve");
  });
}

/**
 * One of llama.cpp's passes: the first character is kept; for each later one, `dropSpaceBefore`
 * says whether to remove the character written just before it (a space) — or "skip" to drop the
 * character itself. Reads the pass's input, writes a new string, as llama.cpp's in-place loop does.
 */
function pass(s: string, dropSpaceBefore: (s: string, i: number) => boolean | "skip"): string {
  if (s.length === 0) return s;
  const out: string[] = [s[0]!];
  for (let i = 1; i < s.length; i++) {
    const d = dropSpaceBefore(s, i);
    if (d === "skip") continue;
    if (d) out.pop();
    out.push(s[i]!);
  }
  return out.join("");
}
