/**
 * Gradient recording switch. Inside `noGrad(fn)` ops compute values only: no closure is made, no
 * input is kept alive, outputs are constants (requiresGrad = false). Use it for evaluation,
 * generation and optimizer updates. Nesting works (a depth counter, not a flag).
 */

let disabledDepth = 0;

/** True when ops record backward closures (outside every noGrad). */
export function isGradEnabled(): boolean {
  return disabledDepth === 0;
}

/**
 * Runs `fn` with recording off and returns its result. Synchronous only: for an async `fn` the
 * switch is back on at its first await (the returned promise is not awaited here).
 */
export function noGrad<T>(fn: () => T): T {
  disabledDepth++;
  try {
    return fn();
  } finally {
    disabledDepth--;
  }
}
