"""What python-gsmmodem-new's decoder found in a PDU's user data header: the concatenation
(reference, parts, number) and the destination port, each None when absent."""


def udh(decoded):
    concat = port = None
    for ie in decoded.get("udh", []):
        if ie.id in (0x00, 0x08):
            concat = (ie.reference, ie.parts, ie.number)
        elif ie.id in (0x04, 0x05):
            port = ie.destination
    return concat, port
