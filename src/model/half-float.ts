/** Converts IEEE half-precision bits to float32 into `out` (float16 logits arrive as Uint16 bits). */
export function halfToFloat(bits: Uint16Array, out: Float32Array, from: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const h = bits[from + i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    out[i] =
      exponent === 0
        ? sign * 2 ** -14 * (fraction / 1024)
        : exponent === 31
          ? fraction ? NaN : sign * Infinity
          : sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
}
