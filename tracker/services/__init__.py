"""Use cases: each checks what it must, then calls the store. Pages and the CLI call these."""
