import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

/** Where `npm run build` puts the stewards' console (`vite build` of `console/`). */
function consoleDir(): string | undefined {
  // The same code runs from src/ (tests) and dist/src/ (built): find the project root by its package.json.
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      const built = path.join(dir, 'dist', 'console');
      return fs.existsSync(path.join(built, 'index.html')) ? built : undefined;
    }
  }
  return undefined;
}

/**
 * The stewards' console at `/console`: static files of a single-page app that talks only to the public GraphQL
 * API with the steward's token. Strict CSP (scripts and connections to this origin only), no framing.
 */
export function consoleRouter(): Router {
  const router = express.Router();
  const dir = consoleDir();
  router.use('/console', (_req, res, next) => {
    res.setHeader(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    next();
  });
  if (!dir) {
    router.get(['/console', '/console/{*rest}'], (_req, res) => {
      res.status(503).type('text/plain').send('The console is not built: run `npm run build` (npm start does it).\n');
    });
    return router;
  }
  // `/console` → `/console/`, so the app's relative asset paths resolve (Express matches both paths here).
  router.get('/console', (req, res, next) =>
    req.path === '/console' && !req.originalUrl.split('?')[0].endsWith('/') ? res.redirect(301, '/console/') : next(),
  );
  router.use('/console', express.static(dir, { index: 'index.html', maxAge: '1h', redirect: false }));
  return router;
}
