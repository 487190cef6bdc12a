import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { HttpError } from './errors';

/** Where `scripts/build-web.ts` puts the bundle of `web/`. */
export const WEB_DIST = path.resolve(import.meta.dirname, '..', 'web', 'dist');

/** The page paths of the single-page app; every other unknown path keeps the API's JSON 404. */
export const WEB_PAGES = ['/', '/shop', '/workbench', '/supervisor', '/marketing'] as const;

/** Vite names the bundle's files by their content hash, so a browser may keep them for good. */
const ASSET_MAX_AGE = '365d';

/**
 * Content-Security-Policy for the API and the pages: helmet's defaults (scripts, styles and fetches
 * from this origin only, no inline scripts), without `upgrade-insecure-requests`, because the
 * embedded default serves plain http, where that directive would send the bundle's requests to an https
 * port nobody listens on.
 */
export const CONTENT_SECURITY_POLICY = { directives: { upgradeInsecureRequests: null } };

/**
 * Serves the built pages: hashed assets under /assets, and index.html at each page path, where the
 * app's router picks what to show. Without a build, a page path answers 503 saying how to make one.
 */
export function serveWebPages(app: Express, distDir: string = WEB_DIST): void {
  const index = path.join(distDir, 'index.html');
  app.use('/assets', express.static(path.join(distDir, 'assets'), { index: false, immutable: true, maxAge: ASSET_MAX_AGE, fallthrough: true }));
  app.get([...WEB_PAGES], (_req, res, next) => {
    if (!existsSync(index)) {
      next(new HttpError(503, 'web_not_built', 'The web pages have not been built: run `npm run build:web` (npm start does it by itself).'));
      return;
    }
    // The page itself is never cached, so a new build is picked up on the next load.
    res.set('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}
