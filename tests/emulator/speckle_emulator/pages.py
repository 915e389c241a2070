"""Non-JSON bodies: Express 404 pages, Apollo's landing page, a fake frontend and gateway error pages."""

from __future__ import annotations

import html

CSRF_MESSAGE = (
    "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a "
    "'content-type' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, "
    "text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, "
    "apollo-require-preflight\n"
)

LANDING_PAGE = """
<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Apollo Server</title>
  </head>
  <body>
    <div class="fallback">
      <h1>Welcome to Apollo Server</h1>
      <p>Apollo Sandbox cannot be loaded; it appears that you might be offline.</p>
    </div>
  </body>
</html>
"""

FRONTEND_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Speckle</title>
<script type="module" src="/frontend/_nuxt/entry.js"></script>
</head>
<body>
<div id="__nuxt"></div>
</body>
</html>
"""

METRICS = (
    "# HELP speckle_server_emulated Always 1: this is the local Speckle emulator, not a real server.\n"
    "# TYPE speckle_server_emulated gauge\n"
    'speckle_server_emulated{project="speckle-server",app="server"} 1\n'
)

GATEWAY_TITLES = {
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}


def express_not_found(method: str, path: str) -> str:
    """Express's default "Cannot GET /x" page."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n'
        f"<body>\n<pre>Cannot {method} {html.escape(path)}</pre>\n</body>\n</html>\n"
    )


def gateway_error(status: int) -> str:
    """An nginx-like error page, as a reverse proxy in front of the server would answer."""
    title = GATEWAY_TITLES.get(status, f"{status} Error")
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
