#!/usr/bin/env bash
# Install the Debian packages that the tests need and that a fresh machine lacks, before any test runs:
#   browser  — chromium and the CJK fonts its screenshots and browser tests need (make test)
#   postgres — a PostgreSQL server for the throwaway test cluster (make test-pg)
# Uses sudo when not root; where neither works, stops at once with the exact command to run.
set -euo pipefail

missing=()
for need in "$@"; do
  case "$need" in
    browser)
      command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "${DUDAO_CHROMIUM:-}" ] \
        || missing+=(chromium)
      dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
      ;;
    postgres)
      command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
      ;;
    *)
      echo "system-packages.sh: unknown need '$need' (browser, postgres)" >&2
      exit 2
      ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing[*]} >/dev/null"
if [ "$(id -u)" = "0" ]; then
  run=(bash -c)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run=(sudo bash -c)
else
  echo "缺少系统软件包：${missing[*]}。请先运行（需要管理员权限）：" >&2
  echo "  sudo bash -c '$command'" >&2
  echo "Missing system packages: ${missing[*]}. Run the command above, then run the tests again." >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "缺少系统软件包：${missing[*]}，且本机没有 apt-get：请用本机的包管理器安装 Chromium 和 Noto CJK 字体，" \
    "或设置 DUDAO_CHROMIUM=浏览器路径。" >&2
  exit 1
fi
echo "== installing system packages: ${missing[*]}"
DEBIAN_FRONTEND=noninteractive "${run[@]}" "$command"
