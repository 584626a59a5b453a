/**
 * Marker-controlled watershed by priority flooding, the algorithm of `skimage.segmentation.
 * watershed` (compactness 0, 4-connectivity): pixels are taken lowest value first, ties in the
 * order they were reached, and each takes the label of the neighbour that reached it.
 * OpenCV's cv.watershed floods by colour differences of an 8-bit RGB image instead of by the
 * surface given, so it cannot split by a distance map; hence this one function by hand.
 */

/** A binary min-heap of pixel indices keyed by (value, age). */
class FloodQueue {
  private values: Float64Array;
  private ages: Float64Array;
  private pixels: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
    this.ages = new Float64Array(capacity);
    this.pixels = new Int32Array(capacity);
  }

  private less(a: number, b: number): boolean {
    return (
      this.values[a] < this.values[b] ||
      (this.values[a] === this.values[b] && this.ages[a] < this.ages[b])
    );
  }

  private swap(a: number, b: number): void {
    const v = this.values[a];
    this.values[a] = this.values[b];
    this.values[b] = v;
    const g = this.ages[a];
    this.ages[a] = this.ages[b];
    this.ages[b] = g;
    const p = this.pixels[a];
    this.pixels[a] = this.pixels[b];
    this.pixels[b] = p;
  }

  push(value: number, age: number, pixel: number): void {
    let i = this.size++;
    this.values[i] = value;
    this.ages[i] = age;
    this.pixels[i] = pixel;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): number {
    const top = this.pixels[0];
    this.size--;
    if (this.size > 0) {
      this.values[0] = this.values[this.size];
      this.ages[0] = this.ages[this.size];
      this.pixels[0] = this.pixels[this.size];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.size && this.less(l, m)) m = l;
        if (r < this.size && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/**
 * Floods `surface` from `markers` (non-zero = seed label) within `mask` (non-zero = may be
 * labelled). Returns the labels (int32); pixels outside the mask stay 0.
 */
export function floodWatershed(
  surface: ArrayLike<number>,
  markers: Int32Array,
  mask: ArrayLike<number>,
  height: number,
  width: number
): Int32Array {
  const n = height * width;
  const out = new Int32Array(n);
  // Each pixel enters the queue at most once (when first labelled), markers included.
  const queue = new FloodQueue(n);
  let age = 0;
  for (let i = 0; i < n; i++) {
    if (markers[i] !== 0 && mask[i]) {
      out[i] = markers[i];
      queue.push(surface[i], age++, i);
    }
  }
  while (queue.size > 0) {
    const p = queue.pop();
    const y = (p / width) | 0;
    const x = p - y * width;
    const label = out[p];
    const visit = (q: number) => {
      if (out[q] === 0 && mask[q]) {
        out[q] = label;
        queue.push(surface[q], age++, q);
      }
    };
    if (y > 0) visit(p - width);
    if (y < height - 1) visit(p + width);
    if (x > 0) visit(p - 1);
    if (x < width - 1) visit(p + 1);
  }
  return out;
}
