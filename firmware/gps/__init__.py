"""GNSS: NMEA parser, integer-coordinate geodesy, distance/home rules, relay and power policy."""
