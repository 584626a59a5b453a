// Debian's Chromium as every browser benchmark starts it: no GPU here, so WebGL2 runs on
// SwiftShader through ANGLE (the switches Galata's config uses too: ui-tests/playwright.config.ts).
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_SWITCHES = [
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist'
];

/** Chromium under Playwright with those switches, `extra` ones first (e.g. --js-flags). */
export function launchChromium(extra = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...extra, ...CHROMIUM_SWITCHES] });
}
