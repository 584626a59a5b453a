/**
 * The log of lines any peer can cause (refused messages, rejected images, planted segments,
 * malformed control requests): the first `burst` lines of each window are written as they
 * come (each cut to `maxLength`), later ones only counted and summed up in one line when the
 * next window starts, so a flood of bad input cannot fill the disk. The status counters
 * count every refusal; the log is for reading what happened.
 */
export class LimitedLog {
  private windowStart: number;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly log: (line: string) => void,
    private readonly what: string,
    private readonly burst = 20,
    private readonly windowMs = 60_000,
    private readonly maxLength = 2000,
    private readonly now: () => number = Date.now
  ) {
    this.windowStart = now();
  }

  line(text: string): void {
    if (this.now() - this.windowStart >= this.windowMs) this.flush();
    if (this.written >= this.burst) {
      this.suppressed++;
      return;
    }
    this.written++;
    const cut = text.length - this.maxLength;
    this.log(cut > 0 ? `${text.slice(0, this.maxLength)}… (${cut} more characters)` : text);
  }

  /** Writes the count of lines left out so far, and starts a new window. */
  flush(): void {
    if (this.suppressed > 0)
      this.log(
        `${this.suppressed} more ${this.what} in ${Math.round((this.now() - this.windowStart) / 1000)} s not logged (${this.burst} per ${this.windowMs / 1000} s are; status counts them all)`
      );
    this.windowStart = this.now();
    this.written = 0;
    this.suppressed = 0;
  }
}
