//! HTML tables and SVG charts of voltlex results: one rendering module for the Jupyter
//! notebook display and any HTML report (the engine holds no display code).
