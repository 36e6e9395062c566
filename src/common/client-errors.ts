/**
 * Requests Node's HTTP parser refuses before Express sees them (a request line and headers over
 * 16 KB, bytes that are not HTTP) get Node's bare status line with no body. The fuzz suite found
 * a long query string answered 431 with nothing saying why: this answers in the contract's error
 * shape instead.
 */
import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

const MESSAGES: Record<number, string> = {
  400: 'The request is not valid HTTP',
  408: 'The request took too long to arrive',
  431: 'The request line and headers are larger than the server accepts (16 KB)',
};

function statusFor(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A connection already gone, or one carrying a response: nothing can be written.
    if (
      err.code === 'ECONNRESET' ||
      !socket.writable ||
      (socket as { _httpMessage?: unknown })._httpMessage
    ) {
      socket.destroy();
      return;
    }
    const status = statusFor(err.code);
    const body = JSON.stringify({
      statusCode: status,
      error: STATUS_CODES[status],
      message: MESSAGES[status],
    });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
