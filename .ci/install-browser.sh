#!/usr/bin/env bash
# Installs Debian's chromium for the report's headless-browser test (tests/report/test_report_browser.py)
# when /usr/bin/chromium is missing.  Needs root for apt-get; does nothing when chromium is already there.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-browser.sh: /usr/bin/chromium is missing and installing it needs root" >&2
    exit 1
fi
echo "install-browser.sh: installing chromium with apt-get" >&2
apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2
if [ ! -x /usr/bin/chromium ]; then
    echo "install-browser.sh: no /usr/bin/chromium after installing chromium" >&2
    exit 1
fi
