import { z } from 'zod';
import type { BrowserRunDetail } from './model.ts';

/**
 * What the server accepts of a browser run's report: a runner is trusted with its verdict,
 * not with the shape of what pages render, so the steps, vitals and refusals are read
 * against a bounded shape (anything else is dropped) and a screenshot must be base64 of at
 * most 128 KiB. Pure.
 */

/** The largest screenshot a runner sends (the JPEG's bytes, before base64). */
export const MAX_SCREENSHOT_BYTES = 128 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const line = z.string().max(2048);
const vital = z.number().finite().min(0).max(3_600_000).optional();
const detail = z.object({
  url: line.optional(),
  vitals: z.object({ lcp: vital, cls: vital, inp: vital, ttfb: vital, ttfmi: vital }),
  steps: z
    .array(z.object({ name: line, passed: z.boolean(), ms: z.number().finite().min(0), error: line.optional() }))
    .max(50),
  refusals: z.array(line).max(10),
  log: z.string().max(4096).optional(),
});

/** The browser part of a run's detail, or undefined when it is absent or not of this shape. */
export function readBrowserDetail(value: unknown): BrowserRunDetail | undefined {
  const parsed = detail.safeParse(value);
  if (!parsed.success) return undefined;
  const { vitals, ...rest } = parsed.data;
  // Absent vitals stay absent (not `undefined` keys) in what is stored.
  const present = Object.fromEntries(Object.entries(vitals).filter(([, v]) => v !== undefined));
  return { ...rest, vitals: present } as BrowserRunDetail;
}

/** The screenshot of a report, when it is base64 within the bound. */
export function readScreenshot(value: unknown): string | undefined {
  return typeof value === 'string' &&
    value.length >= 4 &&
    value.length <= Math.ceil(MAX_SCREENSHOT_BYTES / 3) * 4 &&
    BASE64.test(value)
    ? value
    : undefined;
}
