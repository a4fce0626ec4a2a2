"""Reusable widgets: each module is one widget a lesson tab is built from."""
