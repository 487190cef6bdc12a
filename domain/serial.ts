/**
 * Runs async jobs one at a time in arrival order. Deterministic (plain promises), so workflow
 * update handlers that await activities can use it to keep turns from interleaving.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  get busy(): boolean {
    return this.pending > 0;
  }

  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending += 1;
    const result = this.tail.then(job).finally(() => {
      this.pending -= 1;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
