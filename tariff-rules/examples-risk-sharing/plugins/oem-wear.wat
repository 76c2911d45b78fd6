;; oem-wear.wat — an example carmaker's battery degradation model (degradation ABI v1,
;; docs/plugins.md). EXAMPLE DESIGN: every coefficient is invented for the example.
;;
;; Export `capacity_loss (i32 ptr, i32 len) -> f64`. The host writes seven little-endian f64
;; values at `ptr` (len = 56 bytes):
;;
;;   0  ABI version, 1
;;   1  battery capacity, kWh per vehicle                       (> 0)
;;   2  age at the start of the year, years                     (>= 0)
;;   3  mean cell temperature, °C                               (finite)
;;   4  driving throughput over the year, kWh per vehicle       (>= 0, battery side)
;;   5  V2G discharge throughput over the year, kWh per vehicle (>= 0, battery side)
;;   6  u, a uniform draw in (0, 1): the pack's place in the model's uncertainty
;;
;; and gets back the pack's capacity loss over the year as a fraction of nominal capacity:
;;
;;   calendar = 0.018 × (sqrt(age + 1) − sqrt(age)) × exp(0.045 × (T − 25))
;;   cycle    = (driving + v2g) / capacity / 3000 × 0.2    (20 % after 3000 full cycles)
;;   factor   = exp(0.25 × z(u))                           (z: normal quantile, below)
;;   loss     = clamp((calendar + cycle) × factor, 0, 0.99)
;;
;; Anything else is answered with NaN, which the host reports as a wrong result: a buffer
;; that is not exactly seven values (len ≠ 56), an ABI version other than 1, or a value out
;; of its range above (NaN and ±infinity included). No traps, no state: the same input gives
;; the same answer every time.
;;
;; WebAssembly has f64.sqrt but no exp or log, so both are computed here (to about 1e-15
;; relative): exp by range reduction to 2^k × e^r and a Taylor series on |r| ≤ ln 2 / 2; ln
;; from the float's exponent and mantissa and the atanh series. The normal quantile is the
;; rational approximation of Abramowitz & Stegun, Handbook of Mathematical Functions, formula
;; 26.2.23 (absolute error < 4.5e-4), shifted so that z(0.5) = 0 exactly (the median pack has
;; factor 1) and z is continuous and increasing in u.
(module
  ;; The memory the host writes the input into.
  (memory (export "memory") 1)

  ;; A bump allocator: 8-byte aligned space from address 1024 up, growing the memory when
  ;; the input does not fit. Every evaluation has a fresh instance: nothing to free.
  (global $heap (mut i32) (i32.const 1024))
  (func (export "voltlex_alloc") (param $n i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    (local.set $ptr (i32.and (i32.add (global.get $heap) (i32.const 7)) (i32.const -8)))
    (local.set $end (i32.add (local.get $ptr) (local.get $n)))
    (local.set $have (i32.mul (memory.size) (i32.const 65536)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (drop (memory.grow
          (i32.add (i32.shr_u (i32.sub (local.get $end) (local.get $have)) (i32.const 16)) (i32.const 1))))))
    (global.set $heap (local.get $end))
    (local.get $ptr))

  ;; 1 when x is a finite number (not NaN, not ±infinity).
  (func $finite (param $x f64) (result i32)
    (f64.lt (f64.abs (local.get $x)) (f64.const inf)))

  ;; e^x. x is clamped to [-700, 700] (e^±700 is still a normal f64), then
  ;; x = k ln 2 + r with k = nearest(x / ln 2), |r| ≤ ln 2 / 2 ≈ 0.347, and
  ;; e^x = 2^k × e^r, e^r by Taylor to r^12 / 12! in Horner form
  ;; (1 + r(1 + r/2 (1 + r/3 (…)))); the first term left out is below 1e-16 relative.
  ;; 2^k is built from its bits: biased exponent k + 1023 in bits 52–62.
  (func $exp (param $x f64) (result f64)
    (local $k f64) (local $r f64) (local $sum f64) (local $n f64)
    (local.set $x (f64.min (f64.max (local.get $x) (f64.const -700)) (f64.const 700)))
    (local.set $k (f64.nearest (f64.div (local.get $x) (f64.const 0x1.62e42fefa39efp-1))))
    (local.set $r (f64.sub (local.get $x) (f64.mul (local.get $k) (f64.const 0x1.62e42fefa39efp-1))))
    (local.set $sum (f64.const 1))
    (local.set $n (f64.const 12))
    (block $done
      (loop $term
        (br_if $done (f64.lt (local.get $n) (f64.const 1)))
        ;; sum = 1 + r / n × sum
        (local.set $sum
          (f64.add (f64.const 1)
            (f64.mul (f64.div (local.get $r) (local.get $n)) (local.get $sum))))
        (local.set $n (f64.sub (local.get $n) (f64.const 1)))
        (br $term)))
    (f64.mul (local.get $sum)
      (f64.reinterpret_i64
        (i64.shl (i64.add (i64.trunc_sat_f64_s (local.get $k)) (i64.const 1023)) (i64.const 52)))))

  ;; ln x for a normal positive x (the callers never pass anything else):
  ;; x = m × 2^e with m in [sqrt(1/2), sqrt(2)), ln x = e ln 2 + ln m, and
  ;; ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + … + s^21/21), s = (m − 1)/(m + 1), |s| ≤ 0.172;
  ;; the first term left out is below 1e-17.
  (func $ln (param $x f64) (result f64)
    (local $bits i64) (local $e f64) (local $m f64) (local $s f64) (local $s2 f64)
    (local $sum f64) (local $n f64)
    (local.set $bits (i64.reinterpret_f64 (local.get $x)))
    ;; the unbiased exponent (bits 52–62, less 1023)
    (local.set $e (f64.convert_i64_s
      (i64.sub (i64.and (i64.shr_u (local.get $bits) (i64.const 52)) (i64.const 0x7ff)) (i64.const 1023))))
    ;; the mantissa with exponent 0: m in [1, 2)
    (local.set $m (f64.reinterpret_i64
      (i64.or (i64.and (local.get $bits) (i64.const 0x000fffffffffffff)) (i64.const 0x3ff0000000000000))))
    (if (f64.gt (local.get $m) (f64.const 0x1.6a09e667f3bcdp+0)) ;; sqrt(2)
      (then
        (local.set $m (f64.mul (local.get $m) (f64.const 0.5)))
        (local.set $e (f64.add (local.get $e) (f64.const 1)))))
    (local.set $s (f64.div (f64.sub (local.get $m) (f64.const 1)) (f64.add (local.get $m) (f64.const 1))))
    (local.set $s2 (f64.mul (local.get $s) (local.get $s)))
    ;; Horner: sum = 1/1 + s2 (1/3 + s2 (1/5 + … + s2 (1/21)))
    (local.set $sum (f64.const 0))
    (local.set $n (f64.const 21))
    (block $done
      (loop $term
        (br_if $done (f64.lt (local.get $n) (f64.const 1)))
        (local.set $sum
          (f64.add (f64.div (f64.const 1) (local.get $n)) (f64.mul (local.get $s2) (local.get $sum))))
        (local.set $n (f64.sub (local.get $n) (f64.const 2)))
        (br $term)))
    (f64.add
      (f64.mul (local.get $e) (f64.const 0x1.62e42fefa39efp-1))
      (f64.mul (f64.mul (f64.const 2) (local.get $s)) (local.get $sum))))

  ;; Abramowitz & Stegun 26.2.23: for 0 < p ≤ 0.5, the x with P(Z > x) = p is about
  ;;   t − (c0 + c1 t + c2 t²) / (1 + d1 t + d2 t² + d3 t³),   t = sqrt(−2 ln p),
  ;;   c0 = 2.515517, c1 = 0.802853, c2 = 0.010328,
  ;;   d1 = 1.432788, d2 = 0.189269, d3 = 0.001308.
  ;; p below 1e-300 counts as 1e-300 (keeps ln away from subnormals; x ≈ 37 there anyway).
  (func $upper_tail (param $p f64) (result f64)
    (local $t f64)
    (local.set $p (f64.max (local.get $p) (f64.const 1e-300)))
    (local.set $t (f64.sqrt (f64.mul (f64.const -2) (call $ln (local.get $p)))))
    (f64.sub (local.get $t)
      (f64.div
        (f64.add (f64.const 2.515517)
          (f64.mul (local.get $t)
            (f64.add (f64.const 0.802853) (f64.mul (local.get $t) (f64.const 0.010328)))))
        (f64.add (f64.const 1)
          (f64.mul (local.get $t)
            (f64.add (f64.const 1.432788)
              (f64.mul (local.get $t)
                (f64.add (f64.const 0.189269) (f64.mul (local.get $t) (f64.const 0.001308))))))))))

  ;; z(u), the standard normal quantile of u in (0, 1), from A&S 26.2.23 by symmetry:
  ;;   u < 0.5:  z = −(x(u) − x(0.5))
  ;;   u ≥ 0.5:  z = x(1 − u) − x(0.5)
  ;; A&S alone gives x(0.5) = −1.0e-7 instead of 0, which would make z step down by 2e-7 at
  ;; u = 0.5; subtracting x(0.5) makes z(0.5) = 0 exactly, continuous and increasing.
  (func $normal_quantile (param $u f64) (result f64)
    (local $median f64)
    (local.set $median (call $upper_tail (f64.const 0.5)))
    (if (result f64) (f64.lt (local.get $u) (f64.const 0.5))
      (then (f64.neg (f64.sub (call $upper_tail (local.get $u)) (local.get $median))))
      (else (f64.sub (call $upper_tail (f64.sub (f64.const 1) (local.get $u))) (local.get $median)))))

  ;; The model: the pack's capacity loss over the year, a fraction of nominal capacity.
  (func (export "capacity_loss") (param $ptr i32) (param $len i32) (result f64)
    (local $capacity f64) (local $age f64) (local $temperature f64) (local $driving f64)
    (local $v2g f64) (local $u f64) (local $calendar f64) (local $cycle f64) (local $loss f64)
    ;; exactly seven values, ABI version 1
    (if (i32.ne (local.get $len) (i32.const 56)) (then (return (f64.const nan))))
    (if (f64.ne (f64.load (local.get $ptr)) (f64.const 1)) (then (return (f64.const nan))))
    (local.set $capacity (f64.load offset=8 (local.get $ptr)))
    (local.set $age (f64.load offset=16 (local.get $ptr)))
    (local.set $temperature (f64.load offset=24 (local.get $ptr)))
    (local.set $driving (f64.load offset=32 (local.get $ptr)))
    (local.set $v2g (f64.load offset=40 (local.get $ptr)))
    (local.set $u (f64.load offset=48 (local.get $ptr)))
    ;; every value in its range; written so that NaN fails each test
    (if (i32.eqz (i32.and (call $finite (local.get $capacity))
                          (f64.gt (local.get $capacity) (f64.const 0))))
      (then (return (f64.const nan))))
    (if (i32.eqz (i32.and (call $finite (local.get $age))
                          (f64.ge (local.get $age) (f64.const 0))))
      (then (return (f64.const nan))))
    (if (i32.eqz (call $finite (local.get $temperature)))
      (then (return (f64.const nan))))
    (if (i32.eqz (i32.and (call $finite (local.get $driving))
                          (f64.ge (local.get $driving) (f64.const 0))))
      (then (return (f64.const nan))))
    (if (i32.eqz (i32.and (call $finite (local.get $v2g))
                          (f64.ge (local.get $v2g) (f64.const 0))))
      (then (return (f64.const nan))))
    (if (i32.eqz (i32.and (f64.gt (local.get $u) (f64.const 0))
                          (f64.lt (local.get $u) (f64.const 1))))
      (then (return (f64.const nan))))

    ;; calendar = 0.018 × (sqrt(age + 1) − sqrt(age)) × exp(0.045 × (T − 25))
    (local.set $calendar
      (f64.mul
        (f64.mul (f64.const 0.018)
          (f64.sub (f64.sqrt (f64.add (local.get $age) (f64.const 1))) (f64.sqrt (local.get $age))))
        (call $exp (f64.mul (f64.const 0.045) (f64.sub (local.get $temperature) (f64.const 25))))))
    ;; cycle = (driving + v2g) / capacity / 3000 × 0.2
    (local.set $cycle
      (f64.mul
        (f64.div
          (f64.div (f64.add (local.get $driving) (local.get $v2g)) (local.get $capacity))
          (f64.const 3000))
        (f64.const 0.2)))
    ;; × exp(0.25 z(u)), clamped to [0, 0.99]
    (local.set $loss
      (f64.mul (f64.add (local.get $calendar) (local.get $cycle))
        (call $exp (f64.mul (f64.const 0.25) (call $normal_quantile (local.get $u))))))
    (f64.min (f64.max (local.get $loss) (f64.const 0)) (f64.const 0.99))))
