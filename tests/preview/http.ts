import { request, type IncomingMessage } from 'node:http';

export interface Answer {
  status: number;
  type: string;
  body: string;
  headers?: IncomingMessage['headers'];
}

/** One real HTTP request to the preview server. */
export function fetchText(url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Listen to the preview's Server-Sent Events and wait for a build newer than `after`. */
export function openEvents(url: string) {
  let latest = 0;
  const waiters: { after: number; resolve: (generation: number) => void }[] = [];
  let response: IncomingMessage | undefined;
  const req = request(new URL('/events', url), (res) => {
    response = res;
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^event: build\ndata: (\d+)$/m.exec(message);
        if (!data) continue;
        latest = Number(data[1]);
        for (const w of waiters.splice(0)) if (latest > w.after) w.resolve(latest);
        else waiters.push(w);
      }
    });
  });
  req.end();
  return {
    /** Resolves with the generation of the first build after `after`. */
    buildAfter(after: number): Promise<number> {
      return latest > after ? Promise.resolve(latest) : new Promise((resolve) => waiters.push({ after, resolve }));
    },
    close(): void {
      response?.destroy();
      req.destroy();
    },
  };
}
