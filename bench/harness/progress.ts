/**
 * The progress line on stderr: scenario, phase, elapsed time in the phase, polls seen by the
 * fleet. On a terminal it is rewritten in place (`\r`) twice a second; otherwise (CI, a log file)
 * one line every 10 s so the log stays readable.
 */
export class Progress {
  readonly #tty = process.stderr.isTTY === true;
  readonly #timer: NodeJS.Timeout;
  #scenario = '';
  #phase = '';
  #phaseStart = performance.now();
  #phaseSeconds: number | null = null;
  #extra = '';
  #polls: () => number = () => 0;
  #lastPrint = 0;
  #width = 0;

  constructor() {
    this.#timer = setInterval(() => this.#print(false), 500);
    this.#timer.unref();
  }

  scenario(label: string): void {
    this.#scenario = label;
  }

  /** A new phase; `seconds` is its planned length, if known. */
  phase(name: string, seconds: number | null = null, polls?: () => number): void {
    this.#phase = name;
    this.#phaseStart = performance.now();
    this.#phaseSeconds = seconds;
    this.#extra = '';
    if (polls) this.#polls = polls;
    this.#print(true);
  }

  /** Extra text after the counters, e.g. "probes ok 7/20". */
  note(text: string): void {
    this.#extra = text;
  }

  /** Prints a whole line above the progress line. */
  log(line: string): void {
    this.#clear();
    process.stderr.write(`${line}\n`);
    this.#print(true);
  }

  #print(force: boolean): void {
    const now = performance.now();
    if (!this.#tty && !force && now - this.#lastPrint < 10_000) return;
    this.#lastPrint = now;
    const elapsed = ((now - this.#phaseStart) / 1000).toFixed(0);
    const of = this.#phaseSeconds === null ? '' : `/${this.#phaseSeconds}`;
    const text = `[${this.#scenario}] ${this.#phase} ${elapsed}${of}s  polls seen ${this.#polls().toLocaleString('en-US')}${this.#extra ? `  ${this.#extra}` : ''}`;
    if (this.#tty) {
      process.stderr.write(`\r${text.padEnd(this.#width)}`);
      this.#width = text.length;
    } else process.stderr.write(`${text}\n`);
  }

  #clear(): void {
    if (this.#tty && this.#width > 0) process.stderr.write(`\r${' '.repeat(this.#width)}\r`);
    this.#width = 0;
  }

  done(): void {
    clearInterval(this.#timer);
    this.#clear();
  }
}
