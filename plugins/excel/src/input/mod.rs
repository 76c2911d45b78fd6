//! The input workbook: a documented template and its strict reader (issue 7, being written).
