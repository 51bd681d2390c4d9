// A small static server for the page, on 127.0.0.1 only. It sends the two headers that make the page
// cross-origin isolated (COOP/COEP): without them a browser gives no shared WebAssembly memory.
//   node examples/browser/server.mjs [port]      (default 8080; 0 picks a free one)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('.', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript', '.js': 'text/javascript', '.json': 'application/json', '.bin': 'application/octet-stream', '.ts': 'text/plain' };
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' };

/** Resolves to the listening server and its address. */
export const startServer = (port = 8080) =>
  new Promise((resolve, reject) => {
    const server = createServer(async (req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
      const file = join(ROOT, path.endsWith('/') ? `${path}index.html` : path);
      if (!file.startsWith(ROOT)) return res.writeHead(403, ISOLATION).end('forbidden');
      try {
        const body = await readFile(file);
        res.writeHead(200, { ...ISOLATION, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' }).end(body);
      } catch {
        res.writeHead(404, { ...ISOLATION, 'Content-Type': 'text/plain' }).end(`not found: ${path}${path.startsWith('/build/') ? ' (run: npx tsx examples/browser/prepare.ts)' : ''}`);
      }
    });
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startServer(Number(process.argv[2] ?? process.env.PORT ?? 8080));
  console.log(`graft browser example: ${url}`);
}
