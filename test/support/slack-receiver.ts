import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackPost {
  at: number;
  /** What the receiver answered. */
  status: number;
  body: { text?: string; blocks?: { type: string; text?: { text: string } }[] };
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  /** Answer this late (to exercise client timeouts). */
  delayMs?: number;
}

export interface SlackReceiver {
  /** Stands in for https://hooks.slack.com/services/…; point SLACK_WEBHOOK_URL at it. */
  url: string;
  /** Every request, including the ones answered with an error. */
  posts: SlackPost[];
  /** The posts Slack would have shown (answered 200). */
  delivered(): SlackPost[];
  /** The next requests get these answers, in order; after them, 200 "ok". */
  script(...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** A local HTTP server that answers like a Slack incoming webhook and keeps what it got. */
export async function startSlackReceiver(): Promise<SlackReceiver> {
  const posts: SlackPost[] = [];
  const scripted: ScriptedResponse[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void readBody(request).then((raw) => {
      const answer = scripted.shift() ?? { status: 200 };
      let body: SlackPost['body'] = {};
      try {
        body = JSON.parse(raw) as SlackPost['body'];
      } catch {
        // Slack would answer invalid_payload; the tests look at what was sent anyway.
      }
      const reply = () => {
        posts.push({ at: Date.now(), status: answer.status, body });
        response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        response.end(answer.status === 200 ? 'ok' : 'error');
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/test`,
    posts,
    delivered: () => posts.filter((p) => p.status === 200),
    script: (...responses) => scripted.push(...responses),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
