"""One page per step of the procedure (SPEC §2–§6), each a thin skin over the core."""
