"""Same scenario, same seed: byte-identical `--json` output (docs/scenarios.md promises it)."""

from pathlib import Path

from host_sim import run_cli

ROOT = Path(__file__).resolve().parent.parent


def test_same_seed_same_run_byte_for_byte(capsys):
    # Presses, a merge, a reboot mid-chain and a power cut: every source of randomness a run has
    # (time-out ids, advertising identifiers, radio, GNSS, modem) is drawn from the seed.
    path = str(ROOT / "scenarios" / "faults" / "power_cut_mid_call.toml")
    outs = []
    for _ in range(2):
        run_cli.main([path, "--json"])
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    assert '"timeout_started"' in outs[0] and '"power_off"' in outs[0]
