// axe-core in the real page: injected over the DevTools protocol (the page's CSP allows no inline
// script), run on the whole document, serious and critical violations returned for the assertion.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Fails with the violations listed (rule, help, elements) so a regression names its cause. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const v = await seriousViolations(page);
  if (v.length) throw new Error(`axe: ${v.length} serious/critical violation(s) on the ${screen} screen:\n${v.map((x) => `- ${x.id} (${x.impact}): ${x.help} at ${x.targets.join(', ')}`).join('\n')}`);
}
