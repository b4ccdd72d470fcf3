/**
 * Stop strings over a text stream: the output ends just before the first occurrence of any stop
 * string, which may arrive split across pieces ("<|e" + "nd|>").
 *
 * While streaming, text that could be the start of a stop string is held back until the next
 * piece shows whether it is: the held text is the longest suffix of what was received that is a
 * proper prefix of some stop string. So no emitted character is ever taken back.
 *
 *   const stops = new StopStringMatcher(["\n\n"]);
 *   stops.push("Hello\n")   → { text: "Hello", stopped: false }   ("\n" held back)
 *   stops.push("\nBye")     → { text: "", stopped: true }          (the output is "Hello")
 */

export interface StopMatch {
  /** Text safe to emit now. */
  text: string;
  /** A stop string was found: `text` is the last of the output; push no more. */
  stopped: boolean;
}

export class StopStringMatcher {
  private readonly stops: string[];
  private held = "";
  private done = false;

  /** Empty strings are not allowed (they would stop before any text). */
  constructor(stops: readonly string[]) {
    for (const [i, s] of stops.entries()) {
      if (typeof s !== "string" || s.length === 0) throw new RangeError(`StopStringMatcher: stop string ${i} must be a non-empty string, got ${JSON.stringify(s)}`);
    }
    this.stops = [...stops];
  }

  get stopped(): boolean {
    return this.done;
  }

  push(piece: string): StopMatch {
    if (this.done) throw new Error("StopStringMatcher.push: a stop string was already found");
    const text = this.held + piece;
    if (this.stops.length === 0) return { text, stopped: false };
    // The earliest occurrence of any stop string ends the output.
    let cut = -1;
    for (const s of this.stops) {
      const i = text.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      this.done = true;
      this.held = "";
      return { text: text.slice(0, cut), stopped: true };
    }
    const hold = this.partialMatchLength(text);
    this.held = text.slice(text.length - hold);
    return { text: text.slice(0, text.length - hold), stopped: false };
  }

  /** The end of the stream: whatever was held back (it never completed a stop string). */
  flush(): string {
    const out = this.held;
    this.held = "";
    return out;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of a stop string. */
  private partialMatchLength(text: string): number {
    let best = 0;
    for (const s of this.stops) {
      for (let k = Math.min(s.length - 1, text.length); k > best; k--) {
        if (text.endsWith(s.slice(0, k))) {
          best = k;
          break;
        }
      }
    }
    return best;
  }
}
