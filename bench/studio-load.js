// Loads the studio's first page in headless Chromium N times and prints what it transferred and when it became
// usable. Run by bench/studio-load.sh (which starts the service); uses the Playwright driver that the test project's
// NuGet package ships (its own Node.js), so nothing is installed for it.
const path = require('path');
const { chromium } = require(process.env.PLAYWRIGHT_PACKAGE);

(async () => {
  const url = process.argv[2];
  const runs = Number(process.argv[3] || 10);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  const results = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext(); // a cold profile each time: no cache, no cookies
    const page = await context.newPage();
    let bytes = 0;
    page.on('response', async response => {
      const length = Number(response.headers()['content-length'] || 0);
      bytes += length || (await response.body().catch(() => Buffer.alloc(0))).length;
    });
    const start = Date.now();
    await page.goto(url);
    // Interactive: the sign-in form is drawn by the modules (language loaded, session checked) and accepts input.
    await page.getByLabel('API key').fill('x');
    const interactive = Date.now() - start;
    await page.waitForLoadState('networkidle');
    const timing = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      return { domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd };
    });
    results.push({ interactive, bytes, ...timing });
    await context.close();
  }
  await browser.close();
  const median = key => { const v = results.map(r => r[key]).sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
  console.log(`first page, ${runs} cold loads: median interactive ${median('interactive')} ms (sign-in field filled), ` +
    `DOMContentLoaded ${median('domContentLoaded').toFixed(0)} ms, load ${median('load').toFixed(0)} ms, transferred ${median('bytes')} bytes`);
  console.log(JSON.stringify({ runs, interactiveMs: median('interactive'), domContentLoadedMs: median('domContentLoaded'), loadMs: median('load'), bytes: median('bytes') }));
})();
