"""Drivers for real boards on MicroPython's machine APIs; the sim board needs none of them."""
