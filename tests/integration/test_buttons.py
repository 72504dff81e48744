"""Press recognition (spec section 3) with QEMU's keyboard as the buttons."""
import time

from pbdevice import BUTTON_KEYS


def test_up_short(device):
    device.press("up", "short")
    m, _ = device.expect(r"^EVT press button=(\w+) kind=(\w+)$")
    assert m.groups() == ("up", "short")


def test_up_long(device):
    device.press("up", "long")
    m, _ = device.expect(r"^EVT press button=(\w+) kind=(\w+)$")
    assert m.groups() == ("up", "long")


def test_up_double(device):
    device.press("up", "double")
    m, _ = device.expect(r"^EVT press button=(\w+) kind=(\w+)$")
    assert m.groups() == ("up", "double")
    # and nothing more for that gesture
    _, _, final = device.command("version")
    assert not [line for line in device.lines if line.startswith("EVT press")][1:]


def test_each_arrow_is_its_own_button(device):
    for button in ("down", "left", "right"):
        device.press(button, "short")
        m, _ = device.expect(r"^EVT press button=(\w+) kind=(\w+)$")
        assert m.groups() == (button, "short")


def test_select_long_reports_short_on_the_press_itself(device):
    # select's only mapped kind is short (the trigger action): the event must
    # come while the key is still held, not after the release.
    device.qmp.key(BUTTON_KEYS["select"], True)
    try:
        m, _ = device.expect(r"^EVT press button=(\w+) kind=(\w+)$", timeout=5)
        assert m.groups() == ("select", "short")
        # no configuration yet: the trigger is refused, visibly
        m, _ = device.expect(r"^EVT refused reason=(\S+)$", timeout=5)
        assert m.group(1) == "not-configured"
        info, _, _ = device.command("status")
        assert "led=error" in info
    finally:
        time.sleep(1.5)
        device.qmp.key(BUTTON_KEYS["select"], False)
    _, _, final = device.command("version")
    presses = [line for line in device.lines if line.startswith("EVT press")]
    assert presses == ["EVT press button=select kind=short"]


def test_buttons_are_ignored_until_released_once(tmp_path):
    import pbdevice

    dev = pbdevice.Device(workdir=str(tmp_path))
    try:
        dev.readline()  # EVT boot
        # Not primed: QEMU's lines read pressed.  The first press and release
        # only arms the button; the second is the first real press.
        dev.press("up", "short")
        time.sleep(0.2)  # the release must outlast the 20 ms debounce
        _, _, final = dev.command("version")
        assert not [line for line in dev.lines if line.startswith("EVT press")]
        dev.press("up", "short")
        m, _ = dev.expect(r"^EVT press button=(\w+) kind=(\w+)$")
        assert m.groups() == ("up", "short")
    finally:
        dev.close()
