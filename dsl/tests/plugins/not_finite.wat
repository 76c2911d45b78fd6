;; Results that are not prices.
(module
  (memory (export "memory") 1)
  (func (export "voltlex_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "nan") (param i32 i32) (result f64)
    (f64.div (f64.const 0) (f64.const 0)))
  (func (export "infinity") (param i32 i32) (result f64)
    (f64.div (f64.const 1) (f64.const 0))))
