;; load_factor.wat: an EXAMPLE utility's proprietary load-factor discount, as a voltlex plugin
;; (ABI v1, docs/plugins.md). Called once per bill month by `computed load_factor_discount`
;; in load-factor.vlx; returns JPY/kWh (negative = discount), which the engine multiplies by
;; the month's kWh.
;;
;;   load factor LF = energy_kwh / (peak_kw × days × 24)
;;   discount       = −0.50 JPY/kWh × clamp((LF − 0.50) / 0.30, 0, 1)
;;
;; so no discount at LF ≤ 0.50, the full −0.50 JPY/kWh at LF ≥ 0.80, linear in between
;; (LF 0.65 → −0.25). A month with no peak (no load at all) gets no discount.
;;
;; Input (little-endian f64 values at ptr): 0 ABI version (1), 1 year, 2 month, 3 days,
;; 4 energy kWh, 5 peak kW, 6 contract kW, 7 interval minutes, 8 n_intervals, then the
;; intervals and the indices (none for this rule).
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
        ;; memory.grow returns -1 when it cannot grow: say so with 0 ("cannot allocate")
        (if (i32.eq
              (memory.grow
                (i32.add (i32.shr_u (i32.sub (local.get $end) (local.get $have)) (i32.const 16))
                         (i32.const 1)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $heap (local.get $end))
    (local.get $ptr))

  ;; Value number $i of the input.
  (func $at (param $ptr i32) (param $i i32) (result f64)
    (f64.load (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 3)))))

  ;; The rule's export: the discount in JPY/kWh.
  (func (export "discount") (param $ptr i32) (param $len i32) (result f64)
    (local $peak f64) (local $lf f64) (local $share f64)
    ;; At least the 9 fixed values, and ABI version 1; otherwise stop (a trap is an error
    ;; naming the rule).
    (if (i32.lt_u (local.get $len) (i32.const 72)) (then unreachable))
    (if (f64.ne (call $at (local.get $ptr) (i32.const 0)) (f64.const 1)) (then unreachable))
    (local.set $peak (call $at (local.get $ptr) (i32.const 5)))
    ;; No peak, no load factor: no discount (and no 0 / 0).
    (if (f64.le (local.get $peak) (f64.const 0)) (then (return (f64.const 0))))
    ;; LF = energy / (peak × days × 24)
    (local.set $lf
      (f64.div (call $at (local.get $ptr) (i32.const 4))
               (f64.mul (f64.mul (local.get $peak) (call $at (local.get $ptr) (i32.const 3)))
                        (f64.const 24))))
    ;; share = clamp((LF − 0.50) / 0.30, 0, 1)
    (local.set $share
      (f64.div (f64.sub (local.get $lf) (f64.const 0.50)) (f64.const 0.30)))
    ;; At or below 0.50: exactly 0 (not −0.50 × 0 = −0).
    (if (f64.le (local.get $share) (f64.const 0)) (then (return (f64.const 0))))
    (local.set $share (f64.min (local.get $share) (f64.const 1)))
    (f64.mul (f64.const -0.50) (local.get $share))))
