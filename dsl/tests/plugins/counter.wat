;; Counts its calls in a global and in memory. Every evaluation gets a fresh instance, so
;; `calls` returns 1 × 1000 + 1 every time: no state survives from one month to the next.
(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (func (export "voltlex_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "calls") (param i32 i32) (result f64)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.const 1)))
    (f64.convert_i32_u
      (i32.add (i32.mul (global.get $calls) (i32.const 1000)) (i32.load (i32.const 16))))))
