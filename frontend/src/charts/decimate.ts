// Keeps the points a chart draws bounded however long a run is: every point while
// there are few; past `cap`, every other kept point goes and only every 2nd (4th,
// 8th...) new point is taken. The chart appends most of the time and redraws a
// trace only when it halves, which happens log2(steps / cap) times in a run.

export type DecimatorUpdate =
  | { kind: "none" }
  | { kind: "append"; x: number[]; y: number[] }
  | { kind: "rebuild"; x: number[]; y: number[] };

export class Decimator {
  private xs: number[] = [];
  private ys: number[] = [];
  private stride = 1;
  private seen = 0;

  private readonly cap: number;

  /** `cap` is rounded up to an even number so that the newest point survives a halving. */
  constructor(cap = 2000) {
    if (cap < 2) throw new Error("a decimator keeps at least 2 points");
    this.cap = cap % 2 === 0 ? cap : cap + 1;
  }

  get points(): { x: readonly number[]; y: readonly number[] } {
    return { x: this.xs, y: this.ys };
  }

  get every(): number {
    return this.stride;
  }

  clear(): void {
    this.xs = [];
    this.ys = [];
    this.stride = 1;
    this.seen = 0;
  }

  /** Add points in order; says what the chart must do to show them. */
  push(x: readonly number[], y: readonly number[]): DecimatorUpdate {
    const addX: number[] = [];
    const addY: number[] = [];
    let rebuilt = false;
    for (let i = 0; i < x.length; i++) {
      const take = this.seen % this.stride === 0;
      this.seen += 1;
      if (!take) continue;
      this.xs.push(x[i] as number);
      this.ys.push(y[i] as number);
      addX.push(x[i] as number);
      addY.push(y[i] as number);
      if (this.xs.length > this.cap) {
        this.xs = this.xs.filter((_, j) => j % 2 === 0);
        this.ys = this.ys.filter((_, j) => j % 2 === 0);
        this.stride *= 2;
        // Keep the phase: the next point taken is `stride` after the last one kept.
        this.seen = 1;
        rebuilt = true;
      }
    }
    if (rebuilt) return { kind: "rebuild", x: [...this.xs], y: [...this.ys] };
    if (addX.length === 0) return { kind: "none" };
    return { kind: "append", x: addX, y: addY };
  }
}
