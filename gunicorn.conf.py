"""gunicorn settings for dudao.

`gunicorn dudao.wsgi` started in the project directory reads this file by itself (gunicorn's default config is
./gunicorn.conf.py); elsewhere pass `-c /path/to/gunicorn.conf.py`. Options on the command line win over this file
(bench/ scripts pass their own --bind and --workers).
"""

import gunicorn

# Every response would carry "Server: gunicorn", which only helps a scanner pick exploits. gunicorn has no option to
# drop the header; the name it sends is read from `gunicorn.SERVER` when a worker answers, and this file runs before
# any worker starts. (A reverse proxy in front replaces the header anyway: nginx sends its own.)
gunicorn.SERVER = ""

# A 20,000-row roster import runs for minutes in one request. gunicorn's default 30 s would kill the worker mid-way
# and roll the import back; nginx may give up earlier without harm (the import finishes, 导入记录 shows the result).
timeout = 300
