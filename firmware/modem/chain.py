"""One run of the contact chain over the modem: text and call each contact in order until one
answers, then the documented fallback. A helper the device shell may use as is.

Policy (see docs/modem.md): each contact first gets the 'escalated' SMS, then a call of at most
ring_time_ms. Answered -> done. Otherwise the next contact. After the last: the 'fallback' SMS
to every contact, and the wearer is told. No network -> wait for it (backoff, up to
network_wait_ms) and retry the same step. Modules without voice: the SMS to every contact is
all it can do ('sms_only'). It must not decide when a chain starts (the session does).
"""

from compat import ticks_diff
from modem import wording


async def _with_network(modem, step, network_wait_ms, started, emit, what):
    """Run `step()` (an SMS or a call); on 'no_network' wait for the network and retry."""
    out = await step()
    while out == "no_network":
        left = network_wait_ms - ticks_diff(modem.clock(), started)
        if left <= 0:
            return out
        emit("chain_no_network", {"step": what, "wait_left_ms": left})
        if await modem.wait_registered(left):
            emit("chain_network_back", {"step": what})
        out = await step()
    return out


async def contact_attempt(modem, contact, text, ring_time_ms, call=True, network_wait_ms=0,
                          started=None, emit=None):
    """SMS then (if `call` and the module has voice) a call to one contact.
    Returns (sms_outcome, call_outcome or None)."""
    emit = emit or (lambda name, fields: None)
    started = modem.clock() if started is None else started
    phone = contact["phone"]

    def send():
        return modem.send_sms(phone, text)

    def dial():
        return modem.call(phone, ring_time_ms)

    sms_out = await _with_network(modem, send, network_wait_ms, started, emit, "sms")
    call_out = None
    if call and modem.can_call:
        call_out = await _with_network(modem, dial, network_wait_ms, started, emit, "call")
    return sms_out, call_out


async def run_chain(modem, contacts, wearer, ring_time_ms=30000, position=None,
                    share_location=False, templates=None, network_wait_ms=1800000,
                    on_event=None):
    """contacts: [{'name': .., 'phone': ..}, ...] in order. Returns a dict:
    reached (index or None), attempts ([{index, sms, call}]), fallback (None, 'sms_all' or
    'sms_only'), fallback_sms ([outcomes])."""

    def emit(name, fields):
        if on_event is not None:
            on_event(name, fields)

    started = modem.clock()
    result = {"reached": None, "attempts": [], "fallback": None, "fallback_sms": []}
    voice = modem.can_call
    for i, contact in enumerate(contacts):
        text = wording.contact_text("escalated", wearer, contact.get("name", ""), position,
                                    share_location, templates)
        sms_out, call_out = await contact_attempt(modem, contact, text, ring_time_ms, voice,
                                                  network_wait_ms, started, emit)
        result["attempts"].append({"index": i, "sms": sms_out, "call": call_out})
        emit("chain_contact", {"index": i, "sms": sms_out, "call": call_out})
        if call_out == "answered":
            result["reached"] = i
            emit("chain_reached", {"index": i})
            return result
    if not voice:
        result["fallback"] = "sms_only"
        emit("chain_sms_only", {"sms": [a["sms"] for a in result["attempts"]]})
        return result
    result["fallback"] = "sms_all"
    for contact in contacts:
        text = wording.contact_text("fallback", wearer, contact.get("name", ""), position,
                                    share_location, templates)
        out, _ = await contact_attempt(modem, contact, text, ring_time_ms, False,
                                       network_wait_ms, started, emit)
        result["fallback_sms"].append(out)
    emit("chain_unreached", {"fallback_sms": result["fallback_sms"]})
    return result
