// Transcendentals as WGSL functions over basic f32 ops (Cephes-style range reduction and
// polynomials), instead of the device's builtins: WGSL lets a device compute cos with an absolute
// error of 2^-11 and exp with 3 + 2|x| ulp, and SwiftShader's normal draws were 1e-4 off. These
// stay within a few ulp of float64 on every device (not bit-identical with wasm, which calls
// float64 Math; the kernel IR's own polynomials, where it has them, are).

const EXP = `fn graft_exp(x: f32) -> f32 {
  if (x > 88.72284) { return graft_f32(0x7f800000u); }
  if (x < -103.97208) { return 0.0; }
  if (x != x) { return x; }
  let n = round(x * 1.442695);
  // ln 2 in two parts: n * 0.693359375 is exact
  let r = (x - n * 0.693359375) + n * 2.1219444e-4;
  let p = 1.0 + r * (1.0 + r * (0.5 + r * (0.16666667 + r * (0.041666668 + r * (0.008333334 + r * (0.0013888889 + r * 0.0001984127))))));
  return ldexp(p, i32(n));
}`;

const LOG = `fn graft_log(x0: f32) -> f32 {
  if (x0 != x0 || x0 < 0.0) { return graft_f32(0x7fc00000u); }
  if (x0 == 0.0) { return graft_f32(0xff800000u); }
  if (bitcast<u32>(x0) == 0x7f800000u) { return x0; }
  // subnormals scaled into the normal range first
  let small = x0 < bitcast<f32>(0x00800000u);
  let x = select(x0, x0 * 8388608.0, small);
  let bits = bitcast<u32>(x);
  var e = i32((bits >> 23u) & 0xffu) - 127 - select(0, 23, small);
  var m = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u);
  if (m > 1.4142135) { m = m * 0.5; e = e + 1; }
  let f = m - 1.0;
  let s = f / (2.0 + f);
  let z = s * s;
  let atanh2 = 2.0 * s * (1.0 + z * (0.33333334 + z * (0.2 + z * (0.14285715 + z * 0.11111111))));
  let ef = f32(e);
  // ln 2 in two parts, so e * ln2 adds no rounding of its own
  return ef * 0.693359375 + (atanh2 - ef * 2.1219444e-4);
}`;

const COS = `fn graft_cos(x: f32) -> f32 {
  if (x != x || (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u) { return graft_f32(0x7fc00000u); }
  let k = round(x * 0.63661975);
  // pi/2 in three parts (Cephes' DP1..3, doubled): k * part is exact for |k| below 2^15
  let r = ((x - k * 1.5703125) - k * 4.8375129699707031e-4) - k * 7.5497899548918821e-8;
  let z = r * r;
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let q = i32(k) & 3;
  if (q == 0) { return c; }
  if (q == 1) { return -s; }
  if (q == 2) { return -c; }
  return s;
}`;

const TANH = `fn graft_tanh(x: f32) -> f32 {
  let a = abs(x);
  if (a > 9.0) { return sign(x); }
  if (a < 0.625) {
    let z = x * x;
    return x + x * z * ((((-5.70498872745e-3 * z + 2.06390887954e-2) * z - 5.37397155531e-2) * z + 1.33314422036e-1) * z - 3.33332819422e-1);
  }
  let t = 1.0 - 2.0 / (graft_exp(2.0 * a) + 1.0);
  return select(t, -t, x < 0.0);
}`;

// Math.pow's cases: x^0 = 1; a negative base needs an integral exponent (its sign from the parity)
const POW = `fn graft_pow(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (x == 0.0) { return select(0.0, graft_f32(0x7f800000u), y < 0.0); }
  let p = graft_exp(y * graft_log(abs(x)));
  if (x > 0.0) { return p; }
  if (trunc(y) != y) { return graft_f32(0x7fc00000u); }
  return select(p, -p, trunc(y * 0.5) != y * 0.5);
}`;

/** Each function's source and the functions it calls. */
export const MATH = {
  graft_exp: { source: EXP, calls: ['graft_f32'] },
  graft_log: { source: LOG, calls: ['graft_f32'] },
  graft_cos: { source: COS, calls: ['graft_f32'] },
  graft_tanh: { source: TANH, calls: ['graft_exp'] },
  graft_pow: { source: POW, calls: ['graft_exp', 'graft_log', 'graft_f32'] },
} as const;
