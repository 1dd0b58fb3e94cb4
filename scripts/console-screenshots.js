// Takes the README's screenshots of the stewards' console from a running hub (after `npx profile-hub demo`):
//   TOKEN=$(npx profile-hub token --scopes profiles:read,pii:read,steward,segments:write)
//   node scripts/console-screenshots.js http://localhost:4000 "$TOKEN"
const path = require('node:path');
const { chromium } = require('playwright-core');

async function main() {
  const [base = 'http://localhost:4000', token] = process.argv.slice(2);
  if (!token) throw new Error('usage: node scripts/console-screenshots.js <hub url> <token>');
  const out = path.resolve(__dirname, '../docs/screenshots');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const shot = (name, fullPage = false) => page.screenshot({ path: path.join(out, `${name}.png`), fullPage });
  await page.goto(`${base}/console/`);
  await shot('sign-in');
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The review band first: its evidence has the most to show.
  await page.locator('table.evidence').waitFor();
  const review = page.locator('aside button', { hasText: 'review_band' }).first();
  if (await review.count()) await review.click();
  await page.locator('table.evidence tbody tr').first().waitFor();
  await shot('merge-queue');
  await page.goto(`${base}/console/#/conflicts`);
  await page.locator('article.card').first().waitFor();
  await shot('conflicts');
  const profileLink = page.locator('article.card header a').first();
  await profileLink.click();
  await page.getByRole('region', { name: 'Golden fields' }).waitFor();
  await shot('profile', true);
  await page.goto(`${base}/console/#/search?q=mu`);
  await page.locator('table.results').waitFor();
  await shot('search');
  await page.goto(`${base}/console/#/segments/mqls`);
  await page.getByText('● live').waitFor();
  await shot('segment');
  await browser.close();
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
