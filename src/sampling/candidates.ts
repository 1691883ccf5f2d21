/**
 * The one buffer every sampler works on: the surviving token ids, their logits, and (once a sampler
 * has needed them) their probabilities. Allocated once per decoder and reused for every row and step.
 */
export class Candidates {
  readonly ids: Int32Array;
  readonly logits: Float32Array;
  readonly probabilities: Float64Array;
  /** How many candidates survive, at the front of the arrays. */
  size = 0;
  /** Whether the first `size` entries are sorted by logit, highest first. */
  sorted = false;

  constructor(readonly vocabSize: number) {
    this.ids = new Int32Array(vocabSize);
    this.logits = new Float32Array(vocabSize);
    this.probabilities = new Float64Array(vocabSize);
    this.order = new Int32Array(vocabSize);
    this.scratchIds = new Int32Array(vocabSize);
    this.scratchLogits = new Float32Array(vocabSize);
  }

  // scratch space for sorting, so that no step allocates
  private readonly order: Int32Array;
  private readonly scratchIds: Int32Array;
  private readonly scratchLogits: Float32Array;

  /** Load the row of logits starting at `offset`: every token a candidate, in id order. */
  reset(row: Float32Array | ArrayLike<number>, offset = 0): void {
    const n = this.vocabSize;
    for (let i = 0; i < n; i++) {
      this.ids[i] = i;
      this.logits[i] = row[offset + i]!;
    }
    this.size = n;
    this.sorted = false;
  }

  /** Sort the surviving candidates by logit, highest first (ties by lower id, for determinism). */
  sortByLogit(): void {
    if (this.sorted) return;
    const n = this.size;
    const order = this.order.subarray(0, n);
    for (let i = 0; i < n; i++) order[i] = i;
    const logits = this.logits;
    const ids = this.ids;
    order.sort((a, b) => logits[b]! - logits[a]! || ids[a]! - ids[b]!);
    for (let i = 0; i < n; i++) {
      this.scratchIds[i] = ids[order[i]!]!;
      this.scratchLogits[i] = logits[order[i]!]!;
    }
    ids.set(this.scratchIds.subarray(0, n));
    logits.set(this.scratchLogits.subarray(0, n));
    this.sorted = true;
  }

  /**
   * Keeps the `k` highest-logit candidates (ties by lower id), sorted, by partial selection: a heap of
   * k over the candidates, O(n log k), instead of sorting the whole vocabulary (llama.cpp's top-k).
   */
  selectTop(k: number): void {
    if (k >= this.size) return;
    if (this.sorted) {
      this.size = k;
      return;
    }
    const { ids, logits, order: heap } = this;
    // a is worse than b: lower logit, or the same logit and a higher id
    const worse = (a: number, b: number): boolean => logits[a]! < logits[b]! || (logits[a] === logits[b] && ids[a]! > ids[b]!);
    const siftDown = (from: number, size: number): void => {
      let at = from;
      for (;;) {
        const left = 2 * at + 1;
        if (left >= size) return;
        const right = left + 1;
        const child = right < size && worse(heap[right]!, heap[left]!) ? right : left;
        if (!worse(heap[child]!, heap[at]!)) return;
        [heap[at], heap[child]] = [heap[child]!, heap[at]!];
        at = child;
      }
    };
    // a min-heap (the worst kept candidate at the root) of the first k, then every better one replaces it
    for (let i = 0; i < k; i++) heap[i] = i;
    for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(i, k);
    for (let i = k; i < this.size; i++) {
      if (worse(heap[0]!, i)) {
        heap[0] = i;
        siftDown(0, k);
      }
    }
    // pop the worst first into the back of the scratch arrays: best first at the front
    for (let size = k; size > 0; size--) {
      const top = heap[0]!;
      this.scratchIds[size - 1] = ids[top]!;
      this.scratchLogits[size - 1] = logits[top]!;
      heap[0] = heap[size - 1]!;
      siftDown(0, size - 1);
    }
    ids.set(this.scratchIds.subarray(0, k));
    logits.set(this.scratchLogits.subarray(0, k));
    this.size = k;
    this.sorted = true;
  }

  /** Softmax of the surviving logits into `probabilities`, computed in float64. */
  softmax(): void {
    let max = -Infinity;
    for (let i = 0; i < this.size; i++) if (this.logits[i]! > max) max = this.logits[i]!;
    let sum = 0;
    for (let i = 0; i < this.size; i++) {
      const e = Math.exp(this.logits[i]! - max);
      this.probabilities[i] = e;
      sum += e;
    }
    for (let i = 0; i < this.size; i++) this.probabilities[i] = this.probabilities[i]! / sum;
  }
}
