"""The words that cross layers as names in code: action kinds and press patterns.

The core returns actions by kind and the shell carries them out by kind; ui/buttons.py names
the presses the session's press table answers. Both sides use these names, so a kind or a
pattern is spelled once. The complete sets, and the longer lists of cue keys and journal
categories, are in core/catalog.py (which the device never loads); tests/test_vocab.py holds
the firmware to both.

Plain strings, no logic, no imports: any module may import this one, and it costs the device a
few hundred bytes of heap.
"""

# Action kinds: the first item of each action the core returns (what each carries: the list at
# the top of core/session.py).
SEND = "send"
NOTIFY = "notify"
CALL = "call"
FALLBACK = "fallback"
JOURNAL = "journal"
PERSIST = "persist"
POWER = "power"

# Press patterns (ui/buttons.py reads them from the button's edges).
SINGLE = "single"
DOUBLE = "double"
TRIPLE = "triple"
LONG = "long"  # held 1 s
VERY_LONG = "very_long"  # held 5 s
