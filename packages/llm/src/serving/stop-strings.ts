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
    // The earliest complete occurrence of any stop string ends the output — unless another stop
    // string starts before it and runs past the end of the text: that one may still complete
    // (stops "abc" and "b", text "ab"), so hold from its start and decide on the next piece.
    const cut = this.firstOccurrence(text);
    const pending = this.firstPartialStart(text, cut < 0 ? text.length : cut);
    if (cut >= 0 && pending < 0) {
      this.done = true;
      this.held = "";
      return { text: text.slice(0, cut), stopped: true };
    }
    const keepFrom = pending >= 0 ? pending : text.length;
    this.held = text.slice(keepFrom);
    return { text: text.slice(0, keepFrom), stopped: false };
  }

  /**
   * The end of the stream: whatever was held back, cut at a stop string it holds (one that was
   * waiting on a longer, earlier candidate); `stopped` tells whether it did.
   */
  flush(): string {
    const text = this.held;
    this.held = "";
    const cut = this.firstOccurrence(text);
    if (cut < 0) return text;
    this.done = true;
    return text.slice(0, cut);
  }

  /** Index of the earliest complete occurrence of any stop string in `text`, or −1. */
  private firstOccurrence(text: string): number {
    let cut = -1;
    for (const s of this.stops) {
      const i = text.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    return cut;
  }

  /** The smallest j < limit such that text[j..] is a proper prefix of some stop string, or −1. */
  private firstPartialStart(text: string, limit: number): number {
    let longest = 0;
    for (const s of this.stops) longest = Math.max(longest, s.length);
    for (let j = Math.max(0, text.length - longest + 1); j < limit; j++) {
      const tail = text.slice(j);
      if (this.stops.some((s) => s.length > tail.length && s.startsWith(tail))) return j;
    }
    return -1;
  }
}
