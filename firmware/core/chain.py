"""The wearer's contact chain: first contact, then second, then third, until one answers.

Pure policy: it says which contact to call next and what a call result means. On a board that
cannot phone (outcome "no_phone") the chain ends at once and the wearer hears so. Placing calls,
texting and ring timing belong to the modem; the session decides when a chain starts.
A call counts only when answered; a missing result is treated as a failed call after a guard
time, so a lost result can never leave the chain waiting forever.

When nobody answers, each contact gets the fallback text, one after the other; a text that
cannot go (no network, a modem fault, no result) is tried again a minute later, until it has
gone. The texts still owed are part of the chain's snapshot, so a reboot does not lose them:
"They will get a message" stays true.
"""

from compat import const, ticks_add, ticks_diff
from core.vocab import CALL, FALLBACK, JOURNAL, NOTIFY, PERSIST

NO_NETWORK_RETRY_MS = const(60000)  # no network: the same contact again after this
# A text that fails this often with the network up (a modem fault, no result at all) is given
# up and journaled; without network it is owed for as long as it takes.
TEXT_TRIES_MAX = const(30)


class ContactChain:
    def __init__(self, contacts, reason, now_ms, guard_ms, index=0, texts=None):
        self.contacts = contacts
        self.texts = texts  # indexes of the contacts still owed the fallback text, or None
        self.reason = reason
        self.index = index
        self.guard_ms = guard_ms
        self.deadline = ticks_add(now_ms, guard_ms)
        self.done = False
        self.reached = None  # index of the contact who answered
        self.retry_at = None  # the network was down: call the same contact again then
        self.no_network = 0
        self.text_fails = 0  # failures of the current fallback text with the network up

    def next_action(self, now_ms):
        """The call to the current contact, or the next fallback text once all were called."""
        return self.text_action(now_ms) if self.texts else self.call_action(now_ms)

    def text_action(self, now_ms):
        """The fallback text to the first contact still owed one (and restarts the guard)."""
        self.retry_at = None
        self.deadline = ticks_add(now_ms, self.guard_ms)
        index = self.texts[0]
        return (FALLBACK, index, self.contacts[index]["phone"], self.reason)

    def text_result(self, index, outcome, now_ms):
        """A fallback text went ('sent') or could not go (anything else: tried again)."""
        if self.done or not self.texts or index != self.texts[0]:
            return [(JOURNAL, "call_result_ignored", {"index": index, "outcome": outcome})]
        actions = []
        if outcome != "sent":
            if outcome != "no_network":
                self.text_fails += 1
            if self.text_fails < TEXT_TRIES_MAX:
                self.retry_at = ticks_add(now_ms, NO_NETWORK_RETRY_MS)
                return []
            actions.append((JOURNAL, "contact_text_failed", {"index": index,
                                                              "outcome": outcome}))
        self.text_fails = 0
        self.texts.pop(0)
        if not self.texts:
            self.done = True
            return actions + [(PERSIST,)]
        return actions + [self.text_action(now_ms), (PERSIST,)]

    def call_action(self, now_ms):
        """The action that places the call to the current contact (and restarts the guard)."""
        self.retry_at = None
        self.deadline = ticks_add(now_ms, self.guard_ms)
        contact = self.contacts[self.index]
        return (CALL, self.index, contact["phone"], self.reason)

    def result(self, index, outcome, now_ms):
        """Apply a call result. Returns journal/notify actions and the next call, if any."""
        if self.done or self.texts or index != self.index:
            return [(JOURNAL, "call_result_ignored", {"index": index, "outcome": outcome})]
        name = self.contacts[index]["name"]
        if outcome == "no_phone":  # a board that cannot phone: nobody can be called or texted
            self.done = True
            return [(JOURNAL, "chain_impossible", {"reason": self.reason}),
                    (NOTIFY, "cannot_call", {}), (PERSIST,)]
        if outcome == "no_network":  # nobody was tried: this contact stays next in line
            self.no_network += 1
            self.retry_at = ticks_add(now_ms, NO_NETWORK_RETRY_MS)
            actions = [(JOURNAL, "call_no_network", {"index": index, "name": name})]
            if self.no_network == 1:
                actions.append((NOTIFY, "no_network", {}))
            return actions
        if outcome == "answered":
            self.done = True
            self.reached = index
            return [
                (JOURNAL, "contact_reached", {"index": index, "name": name,
                                              "reason": self.reason}),
                (NOTIFY, "contact_reached", {"name": name}),
                (PERSIST,),
            ]
        actions = [(JOURNAL, "contact_unreached", {"index": index, "name": name,
                                                   "outcome": outcome})]
        self.index += 1
        if self.index >= len(self.contacts):
            self.index = len(self.contacts) - 1
            self.texts = list(range(len(self.contacts)))
            actions.append((JOURNAL, "all_contacts_unreached", {"reason": self.reason}))
            actions.append((NOTIFY, "contacts_unreached", {}))
            actions.append(self.text_action(now_ms))
        else:
            actions.append(self.call_action(now_ms))
        actions.append((PERSIST,))
        return actions

    def tick(self, now_ms):
        if self.done:
            return []
        if self.retry_at is not None:
            if ticks_diff(now_ms, self.retry_at) >= 0:
                return [self.next_action(now_ms)]
            return []
        if ticks_diff(now_ms, self.deadline) >= 0:
            if self.texts:
                return self.text_result(self.texts[0], "no_result", now_ms)
            return self.result(self.index, "no_result", now_ms)
        return []

    def next_deadline(self):
        return self.retry_at if self.retry_at is not None else self.deadline

    def snapshot(self):
        snap = {"reason": self.reason, "index": self.index}
        if self.texts:
            snap["texts"] = list(self.texts)
        return snap
