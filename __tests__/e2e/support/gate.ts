/** A gate a handler awaits (`await gate.held`) until the test lets it go. */
export interface Gate {
  /** What the handler awaits; null while the gate is open. */
  held: Promise<void> | null;
  /** Closes the gate; the function returned opens it again. */
  arm(): () => void;
}

/**
 * A gate that holds a handler while a test looks at the page's in-flight state:
 * `const release = gate.arm()` before the action, `release()` once the page shows it. Unarmed,
 * the handler runs at once.
 */
export function gate(): Gate {
  return {
    held: null,
    arm() {
      let release!: () => void;
      this.held = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        this.held = null;
        release();
      };
    },
  };
}
