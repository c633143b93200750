"""Tracker for the HMICFRS online child sexual abuse and exploitation inspection recommendations."""
