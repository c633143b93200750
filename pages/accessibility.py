"""Accessibility statement, in the GOV.UK form. Readable without signing in."""

from tracker.ui import statement

statement.show_statement()
