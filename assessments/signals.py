"""Signals other apps listen to. assessments is the lowest app, so it announces what
happened instead of calling the apps above it."""

from django.dispatch import Signal

# Sent after the transaction that graded an attempt has committed; kwargs: attempt.
attempt_graded = Signal()
