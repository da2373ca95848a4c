#!/usr/bin/env bash
# Installs Debian's Chromium for the browser end-to-end test when it is missing. Test tooling never downloads a
# browser of its own; where apt-get or root is not available, the browser test reports what is missing.
command -v chromium >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "setup: installing Debian's chromium for the browser test (apt-get; a few hundred MB, often several minutes)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
fi
echo "chromium is not installed: the browser test will fail (apt-get install -y chromium)"
exit 0
