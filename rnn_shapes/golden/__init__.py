"""Golden sets: where they live, their files (strict reading, atomic writes),
recording, the audit against the oracle, comparing two, and the report."""
