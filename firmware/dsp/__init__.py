"""Loudness meter and escalation detector: fixed-point, pure, no I/O, never keeps audio."""
