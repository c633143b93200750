"""Small factories shared by the tests: update drafts, import files and database counts."""
