import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StopStringMatcher } from "../src/serving/stop-strings.js";

/** Feeds `pieces`, returns the emitted text and whether it stopped. */
function run(stops: string[], pieces: string[]): { text: string; stopped: boolean; pushes: string[] } {
  const m = new StopStringMatcher(stops);
  const pushes: string[] = [];
  for (const p of pieces) {
    const r = m.push(p);
    pushes.push(r.text);
    if (r.stopped) return { text: pushes.join(""), stopped: true, pushes };
  }
  pushes.push(m.flush());
  return { text: pushes.join(""), stopped: m.stopped, pushes };
}

describe("StopStringMatcher", () => {
  it("cuts before a stop string split across pieces, holding the partial match back", () => {
    const m = new StopStringMatcher(["<|end|>"]);
    expect(m.push("Hello <|e")).toEqual({ text: "Hello ", stopped: false });
    expect(m.push("nd|> more")).toEqual({ text: "", stopped: true });
  });

  it("releases held text once it cannot start a stop string any more", () => {
    const m = new StopStringMatcher(["\n\n"]);
    expect(m.push("a\n")).toEqual({ text: "a", stopped: false });
    expect(m.push("b")).toEqual({ text: "\nb", stopped: false });
    expect(m.push("\n")).toEqual({ text: "", stopped: false });
    expect(m.flush()).toBe("\n");
  });

  it("stops at the earliest of several stop strings", () => {
    expect(run(["world", "lo"], ["hello world"])).toMatchObject({ text: "hel", stopped: true });
  });

  it("waits for an earlier, longer stop string before cutting at a shorter one inside it", () => {
    // "b" completes first, but "abc" started earlier: the output ends at whichever is earliest.
    expect(run(["abc", "b"], ["ab", "c"])).toMatchObject({ text: "", stopped: true });
    expect(run(["abc", "b"], ["ab", "x"])).toMatchObject({ text: "a", stopped: true });
    expect(run(["abc", "b"], ["ab"])).toMatchObject({ text: "a", stopped: true }); // the stream ends
  });

  it("passes everything through with no stop strings, and refuses empty ones", () => {
    expect(run([], ["a", "b"])).toMatchObject({ text: "ab", stopped: false });
    expect(() => new StopStringMatcher(["ok", ""])).toThrow(/stop string 1 must be a non-empty string/);
  });

  it("property: the output is the text cut at the first stop occurrence, however it is split", () => {
    const alphabet = fc.constantFrom("a", "b", "c", "\n", "é");
    const str = (min: number, max: number) => fc.array(alphabet, { minLength: min, maxLength: max }).map((a) => a.join(""));
    fc.assert(
      fc.property(str(0, 40), fc.array(str(1, 4), { maxLength: 3 }), fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 40 }), (text, stops, cuts) => {
        const pieces: string[] = [];
        let i = 0;
        for (const c of cuts) {
          if (i >= text.length) break;
          pieces.push(text.slice(i, i + c));
          i += c;
        }
        if (i < text.length) pieces.push(text.slice(i));
        const first = Math.min(...stops.map((s) => text.indexOf(s)).filter((k) => k >= 0), Infinity);
        const r = run(stops, pieces);
        expect(r.text).toBe(first === Infinity ? text : text.slice(0, first));
        expect(r.stopped).toBe(first !== Infinity);
      }),
      { numRuns: 2000 },
    );
  });
});
