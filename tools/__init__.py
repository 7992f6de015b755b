"""Host tools that build the firmware, check it and put it on a device (CPython only).

devtree builds what goes onto a device (both layouts); deploy copies and verifies it over USB;
unix_port runs it on the MicroPython unix port; typecheck checks it against the ESP32 stubs.
Used by the Makefile, the simulator's MicroPython runs, the bench and the tests. Imports
neither host_sim nor tests: they import this.
"""
