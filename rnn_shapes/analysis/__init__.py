"""Golden sets read across environments: one against the oracle (audit), two against
each other (compare), a case across all (history), the support table (support)."""
