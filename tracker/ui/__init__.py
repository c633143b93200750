"""Shared Streamlit pieces for the dashboard's pages.

Pages arrange these pieces. ``data`` is the only module that caches and the only one that reads
or writes the database (always through the services); the other modules turn what it returns
into tables, charts, forms and messages.
"""
