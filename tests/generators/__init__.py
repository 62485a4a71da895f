"""Generators of realistic test inputs (scanned pages, PDFs, batches) with known ground truth."""
