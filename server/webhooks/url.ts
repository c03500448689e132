// Validation of a receiver URL at endpoint creation, so a bad URL fails loudly once instead of
// producing dead deliveries later.
import { AppError } from '../errors.ts';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

const URL_HINT = 'Give an absolute http:// or https:// URL of your receiver, e.g. https://example.com/livegate/webhooks.';

function invalidUrl(message: string, hint = URL_HINT, cause?: unknown): AppError {
  return new AppError('invalid_request', message, { hint, details: { field: 'url' }, cause });
}

/** Returns the normalised URL string or throws AppError('invalid_request') naming the problem. */
export function validateWebhookUrl(input: string): string {
  if (typeof input !== 'string' || input.trim() === '') throw invalidUrl('The webhook URL is empty.');
  if (input.length > MAX_WEBHOOK_URL_LENGTH) {
    throw invalidUrl(`The webhook URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters.`);
  }
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch (cause) {
    throw invalidUrl(`The webhook URL "${input}" is not a valid absolute URL.`, URL_HINT, cause);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidUrl(`The webhook URL scheme "${url.protocol.replace(/:$/, '')}" is not supported; only http and https are.`);
  }
  // fetch refuses URLs with credentials, and a secret in the URL would end up in logs.
  if (url.username !== '' || url.password !== '') {
    throw invalidUrl(
      'The webhook URL contains a user name or password.',
      'Remove the credentials from the URL; receivers verify deliveries with the signing secret instead.',
    );
  }
  // The fragment is never sent over HTTP; dropping it keeps the stored URL honest.
  url.hash = '';
  return url.toString();
}

/** The URL without query string, for logs (queries sometimes carry tokens). */
export function redactWebhookUrl(input: string): string {
  try {
    const url = new URL(input);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '[invalid url]';
  }
}
