"""Renew the README's screenshots (docs/images/*.png), in English and Japanese.

    python docs/screenshots.py

runs tests/e2e/test_browser_walk_in_japanese.py (live QSM, SmartShip and Parcel Pal on 127.0.0.1, Debian's
Chromium) with QSM_SCREENSHOT_DIR=docs/images: the walk from QSM's Qx Smart Inventory page (its menu open, at
1280 px and at 390 px) through SmartShip's linked sign-up page to order management, and QSM's consent page,
each in both languages. Japanese needs a Japanese font for Chromium (Debian: fonts-ipafont-gothic), or the
pictures show empty boxes; this script refuses to run without one. Each picture must stay under 200 KB.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
TEST = "tests/e2e/test_browser_walk_in_japanese.py"
MAX_BYTES = 200_000


def has_japanese_font():
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, ":lang=ja", "family"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def main():
    if not has_japanese_font():
        sys.exit("No Japanese font for Chromium: apt-get install fonts-ipafont-gothic, then run this again.")
    IMAGES.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "QSM_SCREENSHOT_DIR": str(IMAGES), "QSM_REQUIRE_BROWSER": "1"}
    command = [sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider"]
    status = subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode
    if status:
        sys.exit(f"{TEST} failed: the screenshots in {IMAGES} may be incomplete")
    too_big = [f"{path.name} ({path.stat().st_size} bytes)" for path in sorted(IMAGES.glob("*.png"))
               if path.stat().st_size > MAX_BYTES]
    if too_big:
        sys.exit("Over 200 KB: " + ", ".join(too_big))
    for path in sorted(IMAGES.glob("*.png")):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1000} KB")


if __name__ == "__main__":
    main()
