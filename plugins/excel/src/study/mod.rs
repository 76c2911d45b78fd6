//! The result workbook of a study (issue 7, being written).
