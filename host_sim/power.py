"""The day's energy budget per board: datasheet currents times the time each part spends in
each state on a typical day and on a bad day, and the battery life on the board's cell.

A model, not a measurement: the currents are the datasheets' typical figures (docs/boards.md
names each document and table), the day profiles are written out below. Two configurations
are modelled: "as built" (what the firmware does: the ESP32 at 80 MHz in modem-sleep all day,
`RealBoard.CPU_HZ`; the modem in its sleep mode AT+CSCLK=1 between uses, DTR raised by the AT
engine between commands) and "without savings" (MicroPython's default 160 MHz, the modem
registered and idle), so that what the savings bring is visible. The simulated module sleeps
the same way; `make bench` prints how much of the full-day scenario it slept. Target: a
wearable on 1000 mAh lasts 24 h on a typical day.
"""

# Currents in mA at the 3.3-3.8 V rails, typical values (docs/boards.md cites them).
MA = {
    "esp32_160": 35.5,  # ESP32 datasheet, modem-sleep, 160 MHz dual core: 27-44 mA
    "esp32_80": 25.5,  # same table, 80 MHz dual core: 20-31 mA
    "esp32_light": 0.8,  # same table, light-sleep
    "ble_rx": 97.5,  # ESP32 datasheet, RF: BLE receive 95-100 mA
    "ble_tx": 130.0,  # ESP32 datasheet, RF: BLE transmit at 0 dBm
    "mic": 1.4,  # INMP441 datasheet: supply current, typical
    "gnss_acq": 32.0,  # NEO-M8N datasheet: acquisition (GPS+GLONASS), typical
    "gnss_track": 23.0,  # NEO-M8N datasheet: tracking, continuous mode
    "gnss_backup": 0.015,  # NEO-M8N datasheet: backup current (V_BCKP)
    "modem_idle": 18.0,  # A7670 hardware design: idle, registered, sleep mode off
    "modem_sleep": 2.5,  # A7670 hardware design: sleep mode (AT+CSCLK=1), DRX 1.28 s
    "modem_search": 60.0,  # A7670 hardware design: no service, searching (average)
    "modem_call": 180.0,  # A7670 hardware design: VoLTE call, average
    "modem_sms": 150.0,  # one SMS: ~3 s connected at the LTE data current
    "amp_idle": 2.4,  # MAX98357A datasheet: quiescent current, SD_MODE high
    "amp_play": 60.0,  # MAX98357A into 8 ohm at ~0.2 W average speech level
    "board": 1.0,  # regulator quiescent, charger, divider, LEDs off: an allowance
    "led_motor": 40.0,  # a cue: LED at half brightness plus the vibration motor
}

SMS_S = 3  # seconds of connected radio per SMS
BLE_EVENT_MS = 2.5  # radio time per connection event (receive + transmit, both directions)

# Seconds per day in each state. A typical day: worn and listening 16 h of 24, one time-out of
# 1 h in which the wearer walks away (GNSS at full power, far link by SMS every 30 s while out
# of BLE reach for 30 min), 3 cues, 2 min of spoken prompts, no calls. A bad day: three
# time-outs (3 h full GNSS, 90 min out of BLE reach), 4 h out of coverage (the modem searches),
# 2 calls of 3 min and 6 texts to contact persons, 15 cues, 10 min of prompts.
DAYS = {
    "typical": {"listen_s": 16 * 3600, "timeout_s": 3600, "far_s": 1800, "search_s": 0,
                "calls": 0, "texts": 0, "cues": 3, "prompt_s": 120},
    "bad": {"listen_s": 18 * 3600, "timeout_s": 3 * 3600, "far_s": 5400, "search_s": 4 * 3600,
            "calls": 2, "texts": 6, "cues": 15, "prompt_s": 600},
}
CONFIGS = {
    "as built": {"cpu": "esp32_80", "modem_rest": "modem_sleep"},
    "without savings": {"cpu": "esp32_160", "modem_rest": "modem_idle"},
}
DAY_S = 86400
GNSS_DUTY = 30 / 600  # docs/gps.md: on 30 s in every 10 min outside a time-out
GNSS_HOT_S = 2  # hot start before each duty window, at the acquisition current
BLE_INTERVAL_MS = 1000  # the partner link's connection interval while near
BLE_SCAN_DUTY = 0.1  # while the partner is out of reach: scanning 10 % of the time
FAR_EVERY_S = 30  # docs/gps.md: positions over the cellular link every 30 s during a time-out


def day_mah(parts, day, config):
    """(total mAh, {part: mAh}) for one day: parts is the set the board has."""
    d = DAYS[day]
    c = CONFIGS[config]
    out = {}
    # a mains-powered board keeps MicroPython's default clock (home_unit: CPU_HZ = 0)
    out["cpu"] = MA["esp32_160" if "mains" in parts else c["cpu"]] * DAY_S
    out["board"] = MA["board"] * DAY_S
    if "ble" in parts:
        near_s = DAY_S - d["far_s"]
        per_event = BLE_EVENT_MS / 1000 * (MA["ble_rx"] + MA["ble_tx"]) / 2
        out["ble"] = near_s * per_event / (BLE_INTERVAL_MS / 1000) + \
            d["far_s"] * BLE_SCAN_DUTY * MA["ble_rx"]
    if "mic" in parts:
        out["mic"] = MA["mic"] * d["listen_s"]
    if "gnss" in parts:
        rest = DAY_S - d["timeout_s"]
        windows = rest / 600
        out["gnss"] = (d["timeout_s"] * MA["gnss_track"]
                       + rest * GNSS_DUTY * MA["gnss_track"]
                       + windows * GNSS_HOT_S * MA["gnss_acq"]
                       + rest * (1 - GNSS_DUTY) * MA["gnss_backup"])
    if "modem" in parts:
        busy_s = d["calls"] * 180 + d["texts"] * SMS_S + d["far_s"] / FAR_EVERY_S * SMS_S
        rest = DAY_S - d["search_s"] - busy_s
        out["modem"] = (rest * MA[c["modem_rest"]] + d["search_s"] * MA["modem_search"]
                        + d["calls"] * 180 * MA["modem_call"]
                        + (d["texts"] + d["far_s"] / FAR_EVERY_S) * SMS_S * MA["modem_sms"])
    if "speaker" in parts:
        out["speaker"] = MA["amp_idle"] * DAY_S + d["prompt_s"] * MA["amp_play"]
    out["cues"] = d["cues"] * 2 * MA["led_motor"]
    mah = {k: v / 3600 for k, v in out.items()}
    return sum(mah.values()), mah


# The parts and the cell of each board (boards/*/README.md). The reference wearable is the
# target's 1000 mAh cell with everything a wearable has, a speaker included.
BOARDS = {
    "reference wearable": ({"ble", "mic", "gnss", "modem", "speaker"}, 1000),
    "lilygo_t_a7670e": ({"ble", "mic", "gnss", "modem", "speaker"}, 3000),  # an 18650 cell
    "esp32_devkitc": ({"ble", "mic", "gnss", "modem", "speaker"}, 2000),  # 1S LiPo 2000 mAh
    "home_unit": ({"ble", "mic", "mains"}, None),  # mains powered
}


def hours(mah_per_day, cell_mah):
    return cell_mah / (mah_per_day / 24)


def bench_power(out):
    out.write("== power: the day's energy budget (datasheet model, see docs/boards.md) ==\n")
    results = {}
    for board, (parts, cell) in BOARDS.items():
        for config in CONFIGS:
            line = []
            for day in DAYS:
                total, parts_mah = day_mah(parts, day, config)
                life = None if cell is None else hours(total, cell)
                results[(board, config, day)] = (total, life, parts_mah)
                line.append("%s %4.0f mAh/day %s" % (
                    day, total, "mains" if life is None else "= %5.1f h" % life))
            out.write("%-19s %-12s: %s\n" % (board, config, "; ".join(line)))
    total, parts_mah = results[("reference wearable", "as built", "typical")][0::2]
    out.write("reference wearable, typical day, as built, by part (mAh): %s\n" % ", ".join(
        "%s %.0f" % (k, v) for k, v in sorted(parts_mah.items(), key=lambda kv: -kv[1])))
    for config in CONFIGS:
        life = results[("reference wearable", config, "typical")][1]
        out.write("target 24 h on 1000 mAh, typical day, %s: %s (%.1f h)\n"
                  % (config, "met" if life >= 24 else "NOT met", life))
    return results
