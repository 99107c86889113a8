import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quadraticKappa } from '../../electron/engine/classify/agreement.ts';
import { krippendorffAlphaInterval } from '../../electron/engine/team/human-agreement.ts';

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-9, `${msg ?? ''} ${a} != ${b}`);

test('quadratic-weighted kappa on the fixed 0-5 scale, against a hand computation', () => {
  // a = [0, 1, 2, 3], b = [0, 2, 2, 5], n = 4.
  // Observed disagreement with w = (i - j)^2: (0-0)^2 + (1-2)^2 + (2-2)^2 + (3-5)^2 = 0 + 1 + 0 + 4 = 5.
  // Expected: marginals a = {0:1, 1:1, 2:1, 3:1}, b = {0:1, 2:2, 5:1};
  //   sum_ij w_ij * ha_i * hb_j / n:
  //   i=0: 1*(0*1 + 4*2 + 25*1) = 33;  i=1: 1*(1*1 + 1*2 + 16*1) = 19;
  //   i=2: 1*(4*1 + 0*2 + 9*1) = 13;   i=3: 1*(9*1 + 1*2 + 4*1) = 15;  total 80, / 4 = 20.
  // kappa = 1 - 5 / 20 = 0.75.
  close(quadraticKappa([0, 1, 2, 3], [0, 2, 2, 5]), 0.75);
  // Over the fixed scale, not the indices of scores that occur: a rater using only {1, 5} vs one
  // using {1, 4}: a = [1, 5, 5], b = [1, 4, 4].
  // Observed: 0 + 1 + 1 = 2. Marginals a = {1:1, 5:2}, b = {1:1, 4:2}:
  //   (w(1,1)*1*1 + w(1,4)*1*2 + w(5,1)*2*1 + w(5,4)*2*2) / 3 = (0 + 18 + 32 + 4) / 3 = 18.
  // kappa = 1 - 2 / 18 = 0.8888...
  // (Were 4 and 5 re-indexed as neighbouring categories 1 and 2, the result would differ.)
  close(quadraticKappa([1, 5, 5], [1, 4, 4]), 1 - 2 / 18);
  close(quadraticKappa([2, 3, 4], [2, 3, 4]), 1, 'perfect agreement');
});

test("Krippendorff's alpha (interval) against a hand computation", () => {
  // Items (pairable values): u1 = [1, 2], u2 = [3, 3], u3 = [4, 5, 5]; u4 = [2] has one value: ignored.
  // n = 2 + 2 + 3 = 7.
  // D_o: u1: ordered pairs (1,2),(2,1): 2 * 1 = 2, / (2 - 1) = 2.
  //      u2: 0.
  //      u3: pairs (4,5) x2 ordered twice -> 4 * 1 = 4, (5,5) -> 0; = 4, / (3 - 1) = 2.
  //      D_o = (2 + 0 + 2) / 7 = 4/7.
  // D_e: values 1,2,3,3,4,5,5: sum = 23, sum of squares = 1+4+9+9+16+25+25 = 89.
  //      sum over ordered pairs c != k of (v_c - v_k)^2 = 2 * (n * 89 - 23^2) = 2 * (623 - 529) = 188;
  //      D_e = 188 / (7 * 6) = 188/42.
  // alpha = 1 - (4/7) / (188/42) = 1 - 24/188 = 0.872340...
  close(krippendorffAlphaInterval([[1, 2], [3, 3], [4, 5, 5], [2]]), 1 - 24 / 188);
  // Two raters, perfect agreement with variation: alpha = 1.
  close(
    krippendorffAlphaInterval([
      [1, 1],
      [4, 4],
    ]),
    1,
  );
  // Systematic disagreement: [0, 5], [5, 0]: D_o = (50 + 50) / 4 = 25; values 0,5,5,0: sum 10, sq 50,
  // D_e = 2 * (4*50 - 100) / 12 = 200/12; alpha = 1 - 25 * 12 / 200 = -0.5.
  close(
    krippendorffAlphaInterval([
      [0, 5],
      [5, 0],
    ]),
    -0.5,
  );
  assert.ok(Number.isNaN(krippendorffAlphaInterval([[3]])), 'nothing pairable');
});
