"""Golden sets only: where they live (`layout`), their files (strict reading, atomic
writes), the values store, recording, whether a set is current, and the judge that
reads one. What is read across sets lives in analysis/, report/ and models/."""
