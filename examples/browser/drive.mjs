// Drives the page in headless Chromium (puppeteer-core and Debian's chromium): trains `steps` steps,
// hands back the page's record, and can leave a screenshot.
//   node examples/browser/drive.mjs page.png [steps]     (serves the page itself on 127.0.0.1)
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** The page's `window.graftRun` once it is done (`query`: more parameters, `&threads=1`), any uncaught page errors, and jit.html's result. */
export const drivePage = async ({ url, steps, query = '', chromium = CHROMIUM, screenshot }) => {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath: chromium, args: ['--headless=new', '--no-sandbox', '--enable-unsafe-webgpu'] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setViewport({ width: 800, height: 700 });
    await page.goto(`${url}?steps=${steps}${query}`);
    await page.waitForFunction(() => window.graftRun?.done, { timeout: 500_000 });
    const run = await page.evaluate(() => window.graftRun);
    const final = await page.$eval('#final', (e) => e.textContent ?? '');
    if (screenshot) await page.screenshot({ path: screenshot });
    // the JIT page: graft's browser bundle compiles and runs a program in the page
    await page.goto(`${url}jit.html`);
    await page.waitForFunction(() => window.graftJit?.done, { timeout: 300_000 });
    const jit = await page.evaluate(() => window.graftJit);
    return { run, final, errors, jit };
  } finally {
    await browser.close();
  }
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { server, url } = await startServer(0);
  try {
    const { run, final, errors } = await drivePage({ url, steps: Number(process.argv[3] ?? 189), screenshot: process.argv[2] ?? 'page.png' });
    console.log(final || run.error, errors.length ? `(page errors: ${errors.join('; ')})` : '');
  } finally {
    server.close();
  }
}
