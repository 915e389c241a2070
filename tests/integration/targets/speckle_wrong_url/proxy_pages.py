# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a wrong server_url answers: a reverse proxy's 405 page and a bare text/plain 500, on loopback.

    python proxy_pages.py PORT_FILE    serve on a free port; write the port to PORT_FILE

POST /nginx405/... gives nginx's 405 page; POST /text500/... gives "Internal Server Error" as text/plain.
"""

from __future__ import annotations

import http.server
import sys

NGINX_405 = (
    "<html>\r\n<head><title>405 Not Allowed</title></head>\r\n<body>\r\n<center><h1>405 Not Allowed</h1></center>\r\n"
    "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
PAGES = {
    "/nginx405": (405, "text/html", NGINX_405),
    "/text500": (500, "text/plain; charset=utf-8", "Internal Server Error"),
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        prefix = "/" + self.path.lstrip("/").split("/", 1)[0]
        status, content_type, body = PAGES.get(prefix, (404, "text/plain", "no such page"))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: object) -> None:
        pass


def main(port_file: str) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file, "w", encoding="utf-8") as handle:
        handle.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
