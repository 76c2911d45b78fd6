;; Each export traps in its own way.
(module
  (memory (export "memory") 1)
  (func (export "voltlex_alloc") (param i32) (result i32) (i32.const 1024))
  (func $fail (export "unreachable") (param i32 i32) (result f64)
    unreachable)
  (func (export "divide_by_zero") (param $ptr i32) (param $len i32) (result f64)
    ;; 31 / (len - len)
    (f64.convert_i32_s
      (i32.div_s (i32.const 31) (i32.sub (local.get $len) (local.get $len)))))
  (func (export "out_of_bounds") (param i32 i32) (result f64)
    (f64.load (i32.const 0x7fff0000)))
  (func $deeper (param i32 i32) (result f64)
    (call $deeper (local.get 0) (local.get 1)))
  (func (export "stack_overflow") (param i32 i32) (result f64)
    (call $deeper (local.get 0) (local.get 1))))
