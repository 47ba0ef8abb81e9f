"""`manage.py run_exchange_standin [--port 8766] [--token T | --client-id I --client-secret S]`

Serve the local stand-in receiver (`hocbaso.exchange.standin`) on 127.0.0.1 until Ctrl-C; point
HOCBASO_EXCHANGE_WAREHOUSE_URL and HOCBASO_EXCHANGE_VNEID_URL at it. For tests and demos only.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hocbaso.exchange.standin import Faults, StandinServer, StandinService


class Command(BaseCommand):
    help = "Chạy máy nhận thử nghiệm (Kho học bạ số, cổng VNeID của Sở) trên máy cục bộ."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8766)
        parser.add_argument("--token", default="")
        parser.add_argument("--client-id", default="")
        parser.add_argument("--client-secret", default="")
        parser.add_argument("--fail-next", type=int, default=0, help="N yêu cầu đầu trả lỗi 500")

    def handle(self, *args: Any, **options: Any) -> None:
        service = StandinService(
            token=options["token"],
            client_id=options["client_id"],
            client_secret=options["client_secret"],
            faults=Faults(fail_next=options["fail_next"]),
        )
        server = StandinServer(service, port=options["port"])
        self.stdout.write(f"Máy nhận thử nghiệm: {server.base_url} (Ctrl-C để dừng)")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.httpd.server_close()
            self.stdout.write(f"Đã nhận {len(service.received())} mục.")
