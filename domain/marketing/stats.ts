/** Significance for conversion rates: the two-proportion z-test with a pooled standard error. */

export interface ProportionTest {
  /** Treatment rate minus control rate. */
  uplift: number;
  /** Relative uplift over the control rate, or null when the control converted nobody. */
  relativeUplift: number | null;
  z: number;
  /** Two-sided. */
  pValue: number;
  significant: boolean;
}

/** Abramowitz & Stegun 7.1.26; accurate to about 1.5e-7, plenty for a p-value. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return sign * y;
}

export function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

export function twoProportionTest(treatment: { conversions: number; n: number }, control: { conversions: number; n: number }, alpha = 0.05): ProportionTest | null {
  if (treatment.n === 0 || control.n === 0) return null;
  const p1 = treatment.conversions / treatment.n;
  const p2 = control.conversions / control.n;
  const pooled = (treatment.conversions + control.conversions) / (treatment.n + control.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / treatment.n + 1 / control.n));
  const z = se === 0 ? 0 : (p1 - p2) / se;
  const pValue = se === 0 ? 1 : 2 * (1 - normalCdf(Math.abs(z)));
  return { uplift: p1 - p2, relativeUplift: p2 === 0 ? null : (p1 - p2) / p2, z, pValue, significant: pValue < alpha };
}

/** Welch's t statistic with a normal approximation, for mean CSAT between two arms. */
export function meanDifferenceTest(a: number[], b: number[], alpha = 0.05): { difference: number; pValue: number; significant: boolean } | null {
  if (a.length < 2 || b.length < 2) return null;
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = (xs: number[], m: number) => xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
  const ma = mean(a);
  const mb = mean(b);
  const se = Math.sqrt(variance(a, ma) / a.length + variance(b, mb) / b.length);
  const pValue = se === 0 ? 1 : 2 * (1 - normalCdf(Math.abs((ma - mb) / se)));
  return { difference: ma - mb, pValue, significant: pValue < alpha };
}
