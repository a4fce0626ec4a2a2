"""Tests of the lesson programs (engine/lessons/<id>/program.py): alone and in the lab."""
