;; A plugin following the voltlex plugin ABI v1 (docs/plugins.md), with one export per part of
;; the input so the tests can check the host's layout value by value.
(module
  (memory (export "memory") 1)

  ;; Bump allocator: 8-byte aligned space from address 1024 up, growing the memory as needed.
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

  ;; Value number $i of the input (each value is 8 bytes).
  (func $at (param $ptr i32) (param $i i32) (result f64)
    (f64.load (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 3)))))

  ;; The value at $i as a count.
  (func $count (param $ptr i32) (param $i i32) (result i32)
    (i32.trunc_f64_u (call $at (local.get $ptr) (local.get $i))))

  ;; Traps unless the input is ABI version 1.
  (func $check (param $ptr i32)
    (if (f64.ne (call $at (local.get $ptr) (i32.const 0)) (f64.const 1)) (then unreachable)))

  ;; Position of the count of index $k (0-based; indices are sorted by name).
  (func $index (param $ptr i32) (param $k i32) (result i32)
    (local $slot i32)
    ;; n_indices sits after the intervals, at 9 + n_intervals
    (local.set $slot (i32.add (i32.const 9) (call $count (local.get $ptr) (i32.const 8))))
    (if (i32.ge_u (local.get $k) (call $count (local.get $ptr) (local.get $slot))) (then unreachable))
    (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
    (block $found
      (loop $next
        (br_if $found (i32.eqz (local.get $k)))
        (local.set $slot
          (i32.add (local.get $slot) (i32.add (i32.const 1) (call $count (local.get $ptr) (local.get $slot)))))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next)))
    (local.get $slot))

  ;; Sum of the $n values from position $from.
  (func $sum (param $ptr i32) (param $from i32) (param $n i32) (result f64)
    (local $total f64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $total (f64.add (local.get $total) (call $at (local.get $ptr) (local.get $from))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $total))

  ;; 12.5 + 0.001 × energy_kwh
  (func $base (param $ptr i32) (result f64)
    (call $check (local.get $ptr))
    (f64.add (f64.const 12.5) (f64.mul (f64.const 0.001) (call $at (local.get $ptr) (i32.const 4)))))

  (func (export "price") (param $ptr i32) (param $len i32) (result f64)
    (call $base (local.get $ptr)))

  ;; 12.5 + 0.001 × energy_kwh + the mean of the first index
  (func (export "spot") (param $ptr i32) (param $len i32) (result f64)
    (local $slot i32) (local $n i32)
    (local.set $slot (call $index (local.get $ptr) (i32.const 0)))
    (local.set $n (call $count (local.get $ptr) (local.get $slot)))
    (f64.add (call $base (local.get $ptr))
      (f64.div (call $sum (local.get $ptr) (i32.add (local.get $slot) (i32.const 1)) (local.get $n))
               (f64.convert_i32_u (local.get $n)))))

  ;; The last value of the second index.
  (func (export "second_index_last") (param $ptr i32) (param $len i32) (result f64)
    (local $slot i32)
    (call $check (local.get $ptr))
    (local.set $slot (call $index (local.get $ptr) (i32.const 1)))
    (call $at (local.get $ptr) (i32.add (local.get $slot) (call $count (local.get $ptr) (local.get $slot)))))

  ;; The number of indices.
  (func (export "index_count") (param $ptr i32) (param $len i32) (result f64)
    (call $check (local.get $ptr))
    (call $at (local.get $ptr) (i32.add (i32.const 9) (call $count (local.get $ptr) (i32.const 8)))))

  ;; The sum of the interval energies.
  (func (export "intervals") (param $ptr i32) (param $len i32) (result f64)
    (call $check (local.get $ptr))
    (call $sum (local.get $ptr) (i32.const 9) (call $count (local.get $ptr) (i32.const 8))))

  ;; year × 10000 + month × 100 + days
  (func (export "calendar") (param $ptr i32) (param $len i32) (result f64)
    (call $check (local.get $ptr))
    (f64.add (f64.mul (call $at (local.get $ptr) (i32.const 1)) (f64.const 10000))
      (f64.add (f64.mul (call $at (local.get $ptr) (i32.const 2)) (f64.const 100))
               (call $at (local.get $ptr) (i32.const 3)))))

  ;; peak_kw / contract_kw × interval_minutes
  (func (export "demand") (param $ptr i32) (param $len i32) (result f64)
    (call $check (local.get $ptr))
    (f64.mul (f64.div (call $at (local.get $ptr) (i32.const 5)) (call $at (local.get $ptr) (i32.const 6)))
             (call $at (local.get $ptr) (i32.const 7))))

  ;; The byte length the host passed.
  (func (export "byte_length") (param $ptr i32) (param $len i32) (result f64)
    (f64.convert_i32_u (local.get $len))))
