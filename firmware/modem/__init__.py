"""Cellular modem: AT engine, calls and SMS for contact persons, SMS transport of the far link.

Import the modules directly (modem.modem, modem.chain, ...); this file stays empty to save RAM.
"""
