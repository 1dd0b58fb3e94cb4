import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a receiving system saw it. */
export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  body: { id: string; type: string; profileId: string | null; originSource: string | null; [key: string]: any };
  /** What the receiver answered (0: it held the request and never answered). */
  answered: number;
}

/** How to answer a request: a status code, or `hold` to keep it open without answering. */
export type Answer = number | 'hold';

/**
 * A small HTTP server standing in for a CRM or MA platform's webhook endpoint. `respond` decides each answer
 * (default 200); `down()` closes the port (connections refused) and `up()` listens on it again.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  respond: (request: ReceivedWebhook) => Answer = () => 200;
  private server: http.Server;
  private held: http.ServerResponse[] = [];
  port = 0;

  constructor() {
    this.server = this.createServer();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  private createServer(): http.Server {
    return http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        let body: ReceivedWebhook['body'];
        try {
          body = JSON.parse(rawBody);
        } catch {
          body = { id: '', type: '', profileId: null, originSource: null };
        }
        const request: ReceivedWebhook = { headers: req.headers, rawBody, body, answered: 0 };
        this.received.push(request);
        const answer = this.respond(request);
        if (answer === 'hold') {
          this.held.push(res);
          return;
        }
        request.answered = answer;
        res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'not now');
      });
    });
  }

  async up(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Closes the port: the hub's requests are refused until `up()`. */
  async down(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = this.createServer();
  }

  /** Bodies of the requests answered 2xx, in arrival order. */
  delivered(): ReceivedWebhook['body'][] {
    return this.received.filter((r) => r.answered >= 200 && r.answered < 300).map((r) => r.body);
  }
}

/** Polls `condition` until it holds (generous by default: the test machine has two busy cores). */
export async function eventually<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 20_000, intervalMs = 50, what = 'condition' } = {},
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
