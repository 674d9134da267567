"""An HTTP server on 127.0.0.1 (port 0) for download tests: nothing ever leaves the machine."""
import http.server
import threading


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(self.server.claimed.get(self.path, len(body))))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True  # with a claimed length above the body: the early close

    def log_message(self, *args):
        pass


class LocalServer:
    """Serves `files` ({'/name': bytes}); `claimed` overrides a Content-Length to lie."""

    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.files, self.httpd.claimed, self.httpd.requests = {}, {}, []
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    files = property(lambda self: self.httpd.files)
    claimed = property(lambda self: self.httpd.claimed)
    requests = property(lambda self: self.httpd.requests)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
