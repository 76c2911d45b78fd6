;; Exports memory and the allocator, but not the function the rule names.
(module
  (memory (export "memory") 1)
  (func (export "voltlex_alloc") (param i32) (result i32) (i32.const 0))
  (func (export "other") (param i32 i32) (result f64) (f64.const 1.0)))
