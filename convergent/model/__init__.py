"""Pure declarations and values: kinds, sections, operations, checksums, times. No I/O."""
