"""The wearer's legend of lights and vibrations is made from the device's own cue files: every
pattern the device shows is in it, patterns that look alike are one row with all their meanings,
and the wearer's task is filled in."""

import pytest

from care import legend


def cue_keys(language):
    cues, _ = legend._cue_lines(language)
    return [c[0] for c in cues if c[4] or any(legend._ints(c[1])) or legend._ints(c[2])]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_pattern_is_in_the_legend_once(language):
    looks = legend.rows(language, "Fietsen")
    keys = [k for look in looks for k in look["keys"]]
    assert sorted(keys) == sorted(cue_keys(language))
    seen = set()
    for look in looks:
        sig = (look["rgb"], tuple(look["pulses"]), look["tone"])
        assert sig not in seen, "alike patterns share one row"
        seen.add(sig)
        assert len(look["meanings"]) == len(look["keys"])


def test_the_task_and_the_leave_phrases_are_filled_in():
    looks = legend.rows("nl", "Fietsen", number="getal", name="naam")
    started = [m for look in looks for k, m in zip(look["keys"], look["meanings"])
               if k == "timeout_started"][0]
    assert "Je taak: Fietsen." in started and "getal minuten" in started
    assert "Blijf waar je bent." in started and "Jij gaat nu het huis uit." in started
    assert "{" not in "".join(m for look in looks for m in look["meanings"])


def test_a_shared_look_lists_every_meaning():
    looks = legend.rows("en", "x")
    shared = [look for look in looks if len(look["keys"]) > 1]
    assert shared, "the cue files reuse some patterns: the legend must say so"
    for look in shared:
        assert len(set(look["meanings"])) == len(look["keys"])


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError):
        legend.rows("de", "x")


def test_the_contact_sheet_gives_the_texts_word_for_word():
    from modem import wording
    from provision_flow import couple_doc

    doc = couple_doc()
    texts = legend.contact_texts(doc, "A")
    assert [t["name"] for t in texts] == [c["name"] for c in doc["A"]["contacts"]]
    first = texts[0]
    assert first["escalated"] == wording.contact_text("escalated", doc["A"]["wearer_name"],
                                                      first["name"])
    assert doc["A"]["wearer_name"] in first["fallback"]
    doc["settings"]["contact_sms_fallback"] = "Bel {wearer} terug, {contact}."
    assert legend.contact_texts(doc, "A")[0]["fallback"] == "Bel %s terug, %s." % (
        doc["A"]["wearer_name"], first["name"])


def test_the_welcome_text_is_on_the_sheet_only_when_chosen():
    from modem import wording
    from provision_flow import couple_doc

    doc = couple_doc()
    assert all(t["welcome"] is None for t in legend.contact_texts(doc, "A"))
    doc["A"]["welcome_text"] = True
    first = legend.contact_texts(doc, "A")[0]
    assert first["welcome"] == wording.contact_text("welcome", doc["A"]["wearer_name"],
                                                    first["name"])
    assert all(t["welcome"] is None for t in legend.contact_texts(doc, "B"))
